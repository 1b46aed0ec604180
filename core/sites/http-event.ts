import { isUtf8 } from 'node:buffer'
import type { IncomingHttpHeaders } from 'node:http'

/** What a site request hands its function, in the shape of API Gateway's proxy integration (v1). */
export interface HttpEvent {
  httpMethod: string
  /** The path under the site as requested (still percent-encoded), without the query: `/api/users/42`. */
  path: string
  /** The function's route: `/api/users/[id]`. */
  resource: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  queryStringParameters: Record<string, string>
  multiValueQueryStringParameters: Record<string, string[]>
  pathParameters: Record<string, string>
  /** The request body: text as is, anything else base64 with isBase64Encoded; `""` when there is none. */
  body: string
  isBase64Encoded: boolean
  requestContext: {
    requestId: string
    requestTime: string
    requestTimeEpoch: number
    httpMethod: string
    path: string
    identity: { sourceIp: string | null }
  }
}

export interface SiteRequest {
  method: string
  path: string
  /** The query string without `?` (may be empty). */
  query: string
  headers: IncomingHttpHeaders
  headersDistinct: Record<string, string[]>
  body: Buffer
  route: string
  pathParameters: Record<string, string>
  requestId: string
  sourceIp: string | undefined
  /** Leave the Authorization header out: it carries the service's own token, which function code must never see. */
  hideAuthorization: boolean
  now: Date
}

/** Media types whose bodies are text when they are valid UTF-8; anything else reaches the function base64. */
const TEXT_TYPE = /^(?:text\/|application\/(?:json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|x-www-form-urlencoded|javascript|ecmascript|graphql|x-ndjson|ld\+json)\b)/i

/** Text or base64 for a body: a missing Content-Type counts as text, so `curl -d` bodies arrive readable. */
export function encodeBody (body: Buffer, contentType: string | undefined): { body: string, isBase64Encoded: boolean } {
  if (body.length === 0) return { body: '', isBase64Encoded: false }
  const textual = contentType === undefined || contentType.trim() === '' || TEXT_TYPE.test(contentType.trim())
  return textual && isUtf8(body)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true }
}

/**
 * The query as API Gateway gives it: the last value of a repeated key, and every value in order under
 * multiValueQueryStringParameters. Null-prototype objects: a key may be `__proto__`.
 */
export function parseQuery (query: string): { single: Record<string, string>, multi: Record<string, string[]> } {
  const single = Object.create(null) as Record<string, string>
  const multi = Object.create(null) as Record<string, string[]>
  if (query === '') return { single, multi }
  for (const [key, value] of new URLSearchParams(query)) {
    single[key] = value
    const list = multi[key]
    if (list === undefined) multi[key] = [value]
    else list.push(value)
  }
  return { single, multi }
}

/** The event as JSON text, ready for the sandbox. */
export function buildHttpEvent (req: SiteRequest): string {
  const headers = Object.create(null) as Record<string, string>
  const multiValueHeaders = Object.create(null) as Record<string, string[]>
  // Node gives lower-case names, joins repeated headers with ", " (cookies with "; ") and keeps every value apart
  // in headersDistinct.
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || (req.hideAuthorization && name === 'authorization')) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
    multiValueHeaders[name] = req.headersDistinct[name] ?? (Array.isArray(value) ? value : [value])
  }
  const { single, multi } = parseQuery(req.query)
  const event: HttpEvent = {
    httpMethod: req.method,
    path: req.path,
    resource: req.route,
    headers,
    multiValueHeaders,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    pathParameters: req.pathParameters,
    ...encodeBody(req.body, req.headers['content-type']),
    requestContext: {
      requestId: req.requestId,
      requestTime: req.now.toISOString(),
      requestTimeEpoch: req.now.getTime(),
      httpMethod: req.method,
      path: req.path,
      identity: { sourceIp: req.sourceIp ?? null }
    }
  }
  return JSON.stringify(event)
}
