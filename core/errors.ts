/**
 * The one catalogue of errors. Every error the service raises is declared here once, with a stable code and,
 * for errors that reach a client, the exact sentence of docs/API.md. Compare errors by `code`, never by class:
 * classes do not survive IPC or vm realms.
 */

export interface ServiceError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Extra fields merged into the JSON error body (never a stack). */
  readonly body?: Record<string, unknown>
  /** Extra response headers, e.g. Retry-After. */
  readonly headers?: Record<string, string>
}

export interface ErrorSpec {
  readonly code: string
  readonly sentence: string
  readonly statusCode: number
}

function spec<C extends string> (code: C, sentence: string, statusCode: number): ErrorSpec & { code: C } {
  return { code, sentence, statusCode }
}

export const ERRORS = {
  // HTTP contract (docs/API.md)
  FN_ERR_NOT_FOUND: spec('FN_ERR_NOT_FOUND', 'Not found', 404),
  FN_ERR_FUNCTION_NOT_FOUND: spec('FN_ERR_FUNCTION_NOT_FOUND', 'Function not found', 404),
  FN_ERR_FUNCTION_DISABLED: spec('FN_ERR_FUNCTION_DISABLED', 'Function is disabled', 403),
  FN_ERR_FUNCTION_EXISTS: spec('FN_ERR_FUNCTION_EXISTS', 'Function already exists', 409),
  // Another function's file_path already claims the route; docs/API.md's 409 sentence, with a message naming it.
  FN_ERR_ROUTE_CONFLICT: spec('FN_ERR_ROUTE_CONFLICT', 'Function already exists', 409),
  FN_ERR_INVALID_PROJECT_ID: spec('FN_ERR_INVALID_PROJECT_ID', 'Invalid project id', 400),
  FN_ERR_INVALID_FUNCTION_NAME: spec('FN_ERR_INVALID_FUNCTION_NAME', 'Invalid function name', 400),
  FN_ERR_BODY_INVALID_JSON: spec('FN_ERR_BODY_INVALID_JSON', 'Invalid JSON body', 400),
  FN_ERR_BODY_TOO_LARGE: spec('FN_ERR_BODY_TOO_LARGE', 'Payload too large', 413),
  FN_ERR_INVALID_REQUEST: spec('FN_ERR_INVALID_REQUEST', 'Invalid request', 400),
  FN_ERR_INVALID_CODE: spec('FN_ERR_INVALID_CODE', 'Invalid function code', 400),
  FN_ERR_UNAUTHORIZED: spec('FN_ERR_UNAUTHORIZED', 'Unauthorized', 401),
  FN_ERR_INTERNAL: spec('FN_ERR_INTERNAL', 'Internal error', 500),
  FN_ERR_EXECUTION_FAILED: spec('FN_ERR_EXECUTION_FAILED', 'Function execution failed', 500),
  FN_ERR_EXECUTION_TIMEOUT: spec('FN_ERR_EXECUTION_TIMEOUT', 'Function execution timeout', 504),
  FN_ERR_OVERLOADED: spec('FN_ERR_OVERLOADED', 'Service overloaded', 503),
  FN_ERR_SHUTTING_DOWN: spec('FN_ERR_SHUTTING_DOWN', 'Service shutting down', 503),
  FN_ERR_STORAGE_UNAVAILABLE: spec('FN_ERR_STORAGE_UNAVAILABLE', 'Storage unavailable', 503),
  FN_ERR_READ_ONLY: spec('FN_ERR_READ_ONLY', 'Read-only instance', 405),
  FN_ERR_VARIABLE_NOT_FOUND: spec('FN_ERR_VARIABLE_NOT_FOUND', 'Variable not found', 404),
  // Internal: a stored secret that no configured key opens (a wrong or lost SECRETS_KEY).
  FN_ERR_SECRET_UNREADABLE: spec('FN_ERR_SECRET_UNREADABLE', 'Secret unreadable', 500),
  // Internal: start-up, plugins, supervisor. Never sent to clients as such (they become FN_ERR_INTERNAL).
  FN_ERR_CONFIG_INVALID: spec('FN_ERR_CONFIG_INVALID', 'Invalid configuration', 500),
  FN_ERR_PLUGIN_FAILED: spec('FN_ERR_PLUGIN_FAILED', 'Plugin failed', 500),
  FN_ERR_PLUGIN_TIMEOUT: spec('FN_ERR_PLUGIN_TIMEOUT', 'Plugin timed out', 500),
  FN_ERR_PLUGIN_DEPENDENCY: spec('FN_ERR_PLUGIN_DEPENDENCY', 'Plugin dependency missing', 500),
  FN_ERR_DEC_ALREADY_PRESENT: spec('FN_ERR_DEC_ALREADY_PRESENT', 'Decoration already present', 500),
  FN_ERR_DEC_MISSING: spec('FN_ERR_DEC_MISSING', 'Decoration missing', 500),
  FN_ERR_DEC_AFTER_START: spec('FN_ERR_DEC_AFTER_START', 'Decoration after start', 500),
  FN_ERR_SANDBOX_PROTOCOL: spec('FN_ERR_SANDBOX_PROTOCOL', 'Sandbox protocol violation', 500),
  FN_ERR_SANDBOX_UNAVAILABLE: spec('FN_ERR_SANDBOX_UNAVAILABLE', 'No sandbox host available', 503),
  // A result its caller cannot use (a site function's invalid HTTP response): the invoker answers an execution error.
  FN_ERR_RESULT_INVALID: spec('FN_ERR_RESULT_INVALID', 'Invalid function result', 500)
} as const

export type ErrorCode = keyof typeof ERRORS

/** Client-facing codes: their sentences must appear in docs/API.md (checked by a test). */
export const CONTRACT_CODES: readonly ErrorCode[] = [
  'FN_ERR_NOT_FOUND', 'FN_ERR_FUNCTION_NOT_FOUND', 'FN_ERR_FUNCTION_DISABLED', 'FN_ERR_FUNCTION_EXISTS', 'FN_ERR_ROUTE_CONFLICT',
  'FN_ERR_INVALID_PROJECT_ID', 'FN_ERR_INVALID_FUNCTION_NAME', 'FN_ERR_BODY_INVALID_JSON', 'FN_ERR_BODY_TOO_LARGE',
  'FN_ERR_INVALID_REQUEST', 'FN_ERR_INVALID_CODE', 'FN_ERR_UNAUTHORIZED', 'FN_ERR_INTERNAL',
  'FN_ERR_EXECUTION_FAILED', 'FN_ERR_EXECUTION_TIMEOUT', 'FN_ERR_OVERLOADED', 'FN_ERR_SHUTTING_DOWN',
  'FN_ERR_STORAGE_UNAVAILABLE', 'FN_ERR_READ_ONLY', 'FN_ERR_VARIABLE_NOT_FOUND'
]

export interface ErrorOptions {
  /** Detail for the client (`message` in the JSON body) and for logs. */
  message?: string
  body?: Record<string, unknown>
  headers?: Record<string, string>
  cause?: unknown
}

class FunctionsError extends Error implements ServiceError {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly body?: Record<string, unknown>
  readonly headers?: Record<string, string>
  /** The detail sent as `message`, kept apart from Error#message, which always carries the sentence. */
  readonly detail?: string

  constructor (code: ErrorCode, opts: ErrorOptions) {
    const s = ERRORS[code]
    super(opts.message === undefined ? s.sentence : `${s.sentence}: ${opts.message}`, { cause: opts.cause })
    this.name = 'FunctionsError'
    this.code = code
    this.statusCode = s.statusCode
    if (opts.message !== undefined) this.detail = opts.message
    if (opts.body !== undefined) this.body = opts.body
    if (opts.headers !== undefined) this.headers = opts.headers
  }
}

export function createError (code: ErrorCode, opts: ErrorOptions = {}): ServiceError & { detail?: string } {
  return new FunctionsError(code, opts)
}

export function isServiceError (err: unknown): err is ServiceError & { detail?: string } {
  return err instanceof FunctionsError
}

export function hasCode (err: unknown, code: ErrorCode): boolean {
  return isServiceError(err) && err.code === code
}

/** The JSON body a client sees for an error: `{error, message?, ...body}`; unknown faults become "Internal error". */
export function errorBody (err: unknown): { statusCode: number, body: Record<string, unknown>, headers?: Record<string, string> } {
  if (!isServiceError(err) || !CONTRACT_CODES.includes(err.code)) {
    return { statusCode: 500, body: { error: ERRORS.FN_ERR_INTERNAL.sentence } }
  }
  const body: Record<string, unknown> = { error: ERRORS[err.code].sentence }
  if (err.detail !== undefined) body.message = err.detail
  if (err.body !== undefined) Object.assign(body, err.body)
  return err.headers === undefined
    ? { statusCode: err.statusCode, body }
    : { statusCode: err.statusCode, body, headers: err.headers }
}
