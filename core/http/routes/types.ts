import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Config } from '../../../config/schema.js'
import type { EnvService } from '../../env-service.js'
import type { FunctionService } from '../../function-service.js'
import type { Invoker } from '../../invoker.js'
import type { Metrics } from '../../metrics.js'
import type { FunctionRouter } from '../../sites/function-router.js'
import type { TokenCheck } from '../auth.js'
import type { BodyValidators } from '../validate.js'

export interface Request extends IncomingMessage {
  /** The X-Request-Id of this request (echoed or generated), set by the server before routing. */
  requestId: string
  params: Record<string, string | undefined>
  query: Record<string, string | string[] | undefined>
  path: string
}

export type Handler = (req: Request, res: ServerResponse) => Promise<void>

export interface RouteTable {
  define (method: string, pattern: string, handler: Handler): void
}

/** What the route modules need, built once by app.ts. */
export interface RouteDeps {
  config: Config
  invoker: Invoker
  /** Site path → function (the `/sites/` routes). */
  router: FunctionRouter
  functions: FunctionService
  env: EnvService
  metrics: Metrics
  validators: BodyValidators
  auth: { admin: TokenCheck, invoke: TokenCheck, metrics: TokenCheck }
  /** Read on every invocation: a plain object field, not a function call chain. */
  state: { draining: boolean }
  health: () => Promise<{ statusCode: number, body: Record<string, unknown> }>
}
