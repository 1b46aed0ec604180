import type { ServerResponse } from 'node:http'
import { errorBody } from '../errors.js'

const JSON_TYPE = 'application/json; charset=utf-8'

/** Sends a JSON body. `raw` is JSON text already serialised (e.g. a function's result spliced in without re-encoding). */
export function sendRawJson (res: ServerResponse, statusCode: number, raw: string, headers?: Record<string, string>): void {
  if (res.headersSent) return
  res.statusCode = statusCode
  res.setHeader('Content-Type', JSON_TYPE)
  res.setHeader('Content-Length', Buffer.byteLength(raw))
  if (headers !== undefined) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.end(raw)
}

export function sendJson (res: ServerResponse, statusCode: number, body: unknown, headers?: Record<string, string>): void {
  sendRawJson(res, statusCode, JSON.stringify(body), headers)
}

/** Sends any thrown value as the contract's JSON error; unknown faults become `500 Internal error`, never a stack. */
export function sendError (res: ServerResponse, err: unknown): void {
  const { statusCode, body, headers } = errorBody(err)
  sendJson(res, statusCode, body, headers)
}
