import type { ServerResponse } from 'node:http'
import { boundText } from '../bounded-text.js'
import { createError } from '../errors.js'

/** An HTTP response made from a function's result, every part checked. */
export interface SiteResponse {
  statusCode: number
  /** Lower-case name → values in order (set-cookie and repeated headers go out as separate lines). */
  headers: Map<string, string[]>
  body: Buffer
}

/** RFC 9110 token: anything else in a header name could end the header or the head. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What Node accepts in a header value: no CR, LF, NUL or other controls (which would split the response). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/**
 * Headers the service owns: framing and connection management (a function's value could break the response or the
 * connection it travels on) and X-Request-Id (the service's trace id). A function's values for them are dropped.
 */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer', 'te', 'x-request-id'])
/** Statuses that carry no body (RFC 9110). */
const NO_BODY = new Set([204, 205, 304])

function invalid (message: string): never {
  throw createError('FN_ERR_RESULT_INVALID', { message: `Invalid HTTP response: ${message}` })
}

/** A header name as an error shows it: the function's text, so bounded (the whole message is bounded again later). */
function shown (name: string): string {
  return boundText(name, 256)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function headerValue (name: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    invalid(`the value of header "${shown(name)}" must be a string, number or boolean`)
  }
  const text = String(value)
  if (!FIELD_VALUE.test(text)) invalid(`the value of header "${shown(name)}" contains a control character or a character above U+00FF`)
  return text
}

function headerName (name: string): string {
  if (!TOKEN.test(name)) invalid(`${JSON.stringify(shown(name))} is not a valid header name`)
  return name.toLowerCase()
}

/**
 * A result with a numeric `statusCode` (checked without parsing when the text cannot hold one) is the HTTP response
 * to send; null means the result is sent as 200 JSON. Throws FN_ERR_RESULT_INVALID naming the first thing
 * wrong: the result is untrusted, and a response that could not be sent as described must be an execution error.
 */
export function toSiteResponse (resultJson: string): SiteResponse | null {
  if (resultJson.charCodeAt(0) !== 0x7b /* { */ || !resultJson.includes('"statusCode"')) return null
  const result = JSON.parse(resultJson) as unknown
  if (!isPlainObject(result) || typeof result.statusCode !== 'number') return null
  const { statusCode, headers, multiValueHeaders, cookies, body, isBase64Encoded } = result
  // 1xx are interim responses: sent as the final one, they would leave the client waiting for another.
  if (!Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) invalid(`statusCode must be an integer from 200 to 599, not ${statusCode}`)
  if (body !== undefined && body !== null && typeof body !== 'string') invalid('body must be a string (JSON.stringify objects)')
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') invalid('isBase64Encoded must be a boolean')
  const text = typeof body === 'string' ? body : ''
  if (isBase64Encoded === true && !BASE64.test(text)) invalid('body is not valid base64 although isBase64Encoded is true')

  const out = new Map<string, string[]>()
  // As API Gateway does: multiValueHeaders win for a name they set; headers fill in the rest.
  if (multiValueHeaders !== undefined && multiValueHeaders !== null) {
    if (!isPlainObject(multiValueHeaders)) invalid('multiValueHeaders must be an object of arrays')
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      const key = headerName(name)
      if (!Array.isArray(values)) invalid(`multiValueHeaders["${shown(name)}"] must be an array`)
      const list = out.get(key) ?? []
      for (const v of values as unknown[]) list.push(headerValue(name, v))
      out.set(key, list)
    }
  }
  if (headers !== undefined && headers !== null) {
    if (!isPlainObject(headers)) invalid('headers must be an object')
    const fromMulti = new Set(out.keys())
    for (const [name, value] of Object.entries(headers)) {
      const key = headerName(name)
      const checked = headerValue(name, value)
      if (!fromMulti.has(key)) out.set(key, [checked])
    }
  }
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies)) invalid('cookies must be an array of strings')
    const list = out.get('set-cookie') ?? []
    for (const cookie of cookies as unknown[]) {
      if (typeof cookie !== 'string') invalid('cookies must be an array of strings')
      list.push(headerValue('set-cookie', cookie))
    }
    if (list.length > 0) out.set('set-cookie', list)
  }
  for (const name of RESERVED) out.delete(name)

  const bytes = NO_BODY.has(statusCode) ? Buffer.alloc(0) : isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8')
  if (!out.has('content-type') && bytes.length > 0) {
    // API Gateway's default for text; base64 bodies are bytes of no known type.
    out.set('content-type', [isBase64Encoded === true ? 'application/octet-stream' : 'application/json'])
  }
  return { statusCode, headers: out, body: bytes }
}

/** Writes a checked response. Content-Length is the service's: never absent, never a function's guess. */
export function sendSiteResponse (res: ServerResponse, response: SiteResponse): void {
  if (res.headersSent) return
  res.statusCode = response.statusCode
  for (const [name, values] of response.headers) res.setHeader(name, values.length === 1 ? values[0] as string : values)
  if (!NO_BODY.has(response.statusCode)) res.setHeader('Content-Length', response.body.length)
  res.end(response.body)
}
