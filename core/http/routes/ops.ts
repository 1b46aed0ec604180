import { sendJson } from '../send.js'
import type { RouteDeps, RouteTable } from './types.js'

export function opsRoutes (routes: RouteTable, deps: RouteDeps): void {
  const { metrics, auth, health } = deps

  routes.define('GET', '/health', async (_req, res) => {
    const { statusCode, body } = await health()
    sendJson(res, statusCode, body, { 'Cache-Control': 'no-store' })
  })

  routes.define('GET', '/metrics', async (req, res) => {
    auth.metrics(req)
    const text = await metrics.registry.metrics()
    res.statusCode = 200
    res.setHeader('Content-Type', metrics.registry.contentType)
    res.end(text)
  })
}
