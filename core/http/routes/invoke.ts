import { createError } from '../../errors.js'
import { parseJson, readBody } from '../body.js'
import { sendRawJson } from '../send.js'
import { checkFunctionName, checkProjectId } from '../validate.js'
import type { RouteDeps, RouteTable } from './types.js'

const CLOSE = { Connection: 'close' }

export function invokeRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { invoker, auth, state, config } = deps

  routes.define('POST', '/api/v1/functions/:projectId/:functionName', async (req, res) => {
    if (state.draining) throw createError('FN_ERR_SHUTTING_DOWN', { headers: CLOSE })
    auth.invoke(req)
    const projectId = checkProjectId(req.params.projectId)
    const functionName = checkFunctionName(req.params.functionName)
    const text = await readBody(req, config.maxBodyBytes)
    // The event travels to the sandbox as the JSON text it arrived as; parsing here only proves it is JSON.
    const event = text.trim() === '' ? '{}' : (parseJson(text), text)
    // A client that goes away while its invocation waits in the queue frees its place.
    const abort = new AbortController()
    const onClose = (): void => { if (!res.writableFinished) abort.abort() }
    res.once('close', onClose)
    try {
      const { statusCode, body } = await invoker.invoke(projectId, functionName, event, { signal: abort.signal, requestId: req.requestId })
      sendRawJson(res, statusCode, body)
    } finally {
      res.off('close', onClose)
    }
  })
}
