import http from 'node:http'
import polka, { type Middleware } from 'polka'
import type { Logger } from '../logger.js'
import { createError, isServiceError } from '../errors.js'
import { lingerThenClose } from './lingering-close.js'
import { requestIdFor } from './request-id.js'
import { ROUTE_MODULES } from './routes/index.js'
import type { Handler, Request, RouteDeps } from './routes/types.js'
import { sendError } from './send.js'

/**
 * The HTTP front: a Polka router with every route of docs/API.md. Each route is wrapped once at start-up so that
 * errors become the contract's JSON answers (never a stack) and every response is counted by route pattern.
 */
export function createHttpServer (deps: RouteDeps, log: Logger): http.Server {
  const app = polka({
    onNoMatch: (req: http.IncomingMessage, res: http.ServerResponse) => {
      sendError(res, createError('FN_ERR_NOT_FOUND'))
      deps.metrics.httpRequest('unmatched', req.method ?? 'UNKNOWN', res.statusCode)
    }
  })

  const table = {
    define (method: string, pattern: string, handler: Handler): void {
      const wrapped = async (req: Request, res: http.ServerResponse): Promise<void> => {
        try {
          await handler(req, res)
        } catch (err) {
          if (!isServiceError(err)) log.error('request failed', { err, method, route: pattern })
          if (isServiceError(err) && err.statusCode === 413) {
            res.setHeader('Connection', 'close')
            // Refused while the client may still be sending: read and drop the rest for a while so it reads the 413.
            if (!req.complete) lingerThenClose(req)
          }
          sendError(res, err)
        }
        // '' is Polka's any-method route (the site routes): count the method the request used.
        deps.metrics.httpRequest(pattern, method === '' ? (req.method ?? 'UNKNOWN') : method, res.statusCode)
      }
      app.add(method as 'GET', pattern, wrapped as unknown as Middleware)
    }
  }
  for (const defineRoutes of ROUTE_MODULES) defineRoutes(table, deps)

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const requestId = requestIdFor(req)
    ;(req as Request).requestId = requestId
    res.setHeader('X-Request-Id', requestId)
    if (deps.state.draining) res.setHeader('Connection', 'close')
    app.handler(req as never, res, undefined as never)
  }
  const server = http.createServer(onRequest)
  // Node answers `Expect: 100-continue` with 100 at once by default, so a body over the limit (or one sent to a
  // route that refuses the request first) still crosses the wire. 100 goes out when a route starts reading the body
  // instead; an answer given before that is final, and Node then closes the connection after it.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.once('resume', () => { if (!res.headersSent) res.writeContinue() })
    onRequest(req, res)
  })
  // Keep-alive sockets outlive a load balancer's idle timeout by a little, so it never reuses a socket we closed.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  return server
}
