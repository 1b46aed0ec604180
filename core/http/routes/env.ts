import type { EnvScope } from '../../../plugins/types.js'
import { parseJson, readBody } from '../body.js'
import { sendJson } from '../send.js'
import { checkFunctionName, checkProjectId } from '../validate.js'
import type { Request, RouteDeps, RouteTable } from './types.js'

/** Project variables (every function of the project) and a function's own, which override them by name. */
export function envRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { env, auth, validators, config } = deps
  const projectScope = (req: Request): EnvScope => ({ projectId: checkProjectId(req.params.projectId) })
  const functionScope = (req: Request): EnvScope => ({ projectId: checkProjectId(req.params.projectId), functionName: checkFunctionName(req.params.functionName) })

  for (const [base, scopeOf] of [['/api/projects/:projectId/env', projectScope], ['/api/functions/:projectId/:functionName/env', functionScope]] as const) {
    routes.define('GET', base, async (req, res) => {
      auth.admin(req)
      // Execution nodes ask for the sealed forms of secrets (admin only, like every call here) to open them themselves.
      const list = req.query.sealed === 'true' ? await env.listSealed(scopeOf(req)) : await env.list(scopeOf(req))
      sendJson(res, 200, { success: true, env: list, count: list.length })
    })

    routes.define('PUT', `${base}/:name`, async (req, res) => {
      auth.admin(req)
      const scope = scopeOf(req)
      const body = validators.envPut(parseJson(await readBody(req, config.maxBodyBytes), undefined))
      const { record, created } = await env.put(scope, req.params.name as string, body.value, body.secret === true)
      sendJson(res, created ? 201 : 200, { success: true, variable: record })
    })

    routes.define('DELETE', `${base}/:name`, async (req, res) => {
      auth.admin(req)
      await env.remove(scopeOf(req), req.params.name as string)
      sendJson(res, 200, { success: true })
    })
  }
}
