import { parseJson, readBody } from '../body.js'
import { sendJson } from '../send.js'
import { checkFunctionName, checkProjectId } from '../validate.js'
import { getRecordHandler } from './metadata.js'
import type { RouteDeps, RouteTable } from './types.js'

/**
 * The management API used by build services (docs/API.md, Management). The project-level routes name their
 * parameter `listProjectId` because Polka merges the parameters of every pattern that matches a path, and
 * `/api/functions/projects/x` also matches `/api/functions/:projectId/:functionName`.
 */
export function manageRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { functions, auth, validators, config } = deps
  const body = async (req: Parameters<Parameters<RouteTable['define']>[2]>[0]): Promise<unknown> =>
    parseJson(await readBody(req, config.maxBodyBytes), undefined)

  routes.define('POST', '/api/functions/projects/:listProjectId', async (req, res) => {
    auth.admin(req)
    const projectId = checkProjectId(req.params.listProjectId)
    const input = validators.create(await body(req))
    const record = await functions.create(projectId, { ...input, function_name: input.function_name as string })
    sendJson(res, 201, { success: true, function: record })
  })

  routes.define('GET', '/api/functions/projects/:listProjectId', async (req, res) => {
    auth.admin(req)
    const list = await functions.list(checkProjectId(req.params.listProjectId))
    sendJson(res, 200, { success: true, functions: list, count: list.length })
  })

  routes.define('PUT', '/api/functions/:projectId/:functionName', async (req, res) => {
    auth.admin(req)
    const projectId = checkProjectId(req.params.projectId)
    const functionName = checkFunctionName(req.params.functionName)
    const { record, created } = await functions.put(projectId, functionName, validators.put(await body(req)))
    sendJson(res, created ? 201 : 200, { success: true, function: record })
  })

  routes.define('GET', '/api/functions/:projectId/:functionName', getRecordHandler(deps))

  routes.define('GET', '/api/functions/:projectId/:functionName/code', async (req, res) => {
    auth.admin(req)
    const { source, filePath } = await functions.source(checkProjectId(req.params.projectId), checkFunctionName(req.params.functionName))
    res.statusCode = 200
    res.setHeader('Content-Type', `${filePath.endsWith('.ts') ? 'text/typescript' : 'text/javascript'}; charset=utf-8`)
    res.setHeader('Content-Length', Buffer.byteLength(source))
    res.end(source)
  })

  routes.define('PATCH', '/api/functions/:projectId/:functionName', async (req, res) => {
    auth.admin(req)
    const projectId = checkProjectId(req.params.projectId)
    const functionName = checkFunctionName(req.params.functionName)
    const record = await functions.patch(projectId, functionName, validators.managePatch(await body(req)))
    sendJson(res, 200, { success: true, function: record })
  })

  routes.define('DELETE', '/api/functions/:projectId/:functionName', async (req, res) => {
    auth.admin(req)
    await functions.remove(checkProjectId(req.params.projectId), checkFunctionName(req.params.functionName))
    sendJson(res, 200, { success: true })
  })
}
