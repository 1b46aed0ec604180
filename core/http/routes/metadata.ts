import { parseJson, readBody } from '../body.js'
import { sendJson } from '../send.js'
import { checkFunctionName, checkProjectId } from '../validate.js'
import type { Handler, RouteDeps, RouteTable } from './types.js'

/** `GET …/:projectId/:functionName`: the record, never the code. Served under /api/v1 and /api/functions alike. */
export function getRecordHandler ({ functions, auth }: RouteDeps): Handler {
  return async (req, res) => {
    auth.admin(req)
    const record = await functions.get(checkProjectId(req.params.projectId), checkFunctionName(req.params.functionName))
    sendJson(res, 200, { success: true, function: record })
  }
}

/** The read and enable/disable calls under /api/v1 (docs/API.md, Metadata). */
export function metadataRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { functions, auth, validators, config } = deps

  routes.define('GET', '/api/v1/functions/:projectId/:functionName', getRecordHandler(deps))

  routes.define('PATCH', '/api/v1/functions/:projectId/:functionName', async (req, res) => {
    auth.admin(req)
    const projectId = checkProjectId(req.params.projectId)
    const functionName = checkFunctionName(req.params.functionName)
    const body = validators.activePatch(parseJson(await readBody(req, config.maxBodyBytes)))
    const record = await functions.patch(projectId, functionName, { is_active: body.is_active })
    sendJson(res, 200, { success: true, function: record })
  })

  routes.define('GET', '/api/v1/projects/:projectId/functions', async (req, res) => {
    auth.admin(req)
    const list = await functions.list(checkProjectId(req.params.projectId))
    sendJson(res, 200, { success: true, functions: list, count: list.length })
  })
}
