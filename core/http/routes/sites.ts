import { createError } from '../../errors.js'
import { buildHttpEvent } from '../../sites/http-event.js'
import { sendSiteResponse, toSiteResponse, type SiteResponse } from '../../sites/http-response.js'
import { rawSegments } from '../../sites/site-path.js'
import { readBodyBytes } from '../body.js'
import { sendRawJson } from '../send.js'
import { checkProjectId } from '../validate.js'
import type { Handler, RouteDeps, RouteTable } from './types.js'

const CLOSE = { Connection: 'close' }
const PREFIX = '/sites/'.length

/**
 * `ANY /sites/:projectId/<path>` (docs/API.md, Sites): the function whose file_path serves `<path>` runs with an HTTP
 * event, and a result with a numeric statusCode is the HTTP response. Auth, body limit, draining and the error
 * answers are those of the invocation route.
 */
export function siteRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { invoker, router, auth, state, config } = deps
  // With INVOKE_TOKEN set, Authorization carries the service's token (or the admin one): never the function's to see.
  const hideAuthorization = config.invokeToken !== undefined

  const handler: Handler = async (req, res) => {
    if (state.draining) throw createError('FN_ERR_SHUTTING_DOWN', { headers: CLOSE })
    auth.invoke(req)
    // The raw path, not Polka's decoded params: an encoded slash or dot must stay visible to the router.
    const rest = req.path.slice(PREFIX)
    const slash = rest.indexOf('/')
    const projectId = checkProjectId(slash === -1 ? rest : rest.slice(0, slash))
    const path = slash === -1 ? '/' : rest.slice(slash)
    const match = await router.resolveRoute(projectId, rawSegments(path))
    if (match === null) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    const body = await readBodyBytes(req, config.maxBodyBytes)
    const q = req.url?.indexOf('?') ?? -1
    const event = buildHttpEvent({
      method: req.method ?? 'GET',
      path,
      query: q === -1 ? '' : (req.url as string).slice(q + 1),
      headers: req.headers,
      headersDistinct: req.headersDistinct as Record<string, string[]>,
      body,
      route: match.route,
      pathParameters: match.pathParameters,
      requestId: req.requestId,
      sourceIp: req.socket.remoteAddress,
      hideAuthorization,
      now: new Date()
    })
    // A client that goes away while its invocation waits in the queue frees its place.
    const abort = new AbortController()
    const onClose = (): void => { if (!res.writableFinished) abort.abort() }
    res.once('close', onClose)
    try {
      const answer = await invoker.run<SiteResponse | string>(projectId, match.functionName, event, { signal: abort.signal, requestId: req.requestId },
        (success) => toSiteResponse(success.result) ?? success.result)
      if (!answer.ok) sendRawJson(res, answer.response.statusCode, answer.response.body)
      else if (typeof answer.value === 'string') sendRawJson(res, 200, answer.value)
      else sendSiteResponse(res, answer.value)
    } finally {
      res.off('close', onClose)
    }
  }

  // The wildcard first: `/sites/p/` matches both patterns, and the first defined serves (and names it in metrics).
  routes.define('', '/sites/:projectId/*', handler)
  routes.define('', '/sites/:projectId', handler)
}
