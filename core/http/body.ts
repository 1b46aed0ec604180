import type { IncomingMessage } from 'node:http'
import { createError } from '../errors.js'

/**
 * Reads the request body as UTF-8 text, refusing more than `limit` bytes with FN_ERR_BODY_TOO_LARGE (as soon as
 * Content-Length or the bytes received pass it, without buffering the rest).
 */
export async function readBody (req: IncomingMessage, limit: number): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8')
}

/** readBody's bytes, untouched (site functions receive binary bodies). */
export function readBodyBytes (req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(createError('FN_ERR_BODY_TOO_LARGE', { message: `the body is over ${limit} bytes` }))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (err: Error | null, bytes?: Buffer): void => {
      if (done) return
      done = true
      req.off('data', onData)
      if (err !== null) reject(err)
      else resolve(bytes ?? Buffer.alloc(0))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        // Stop buffering; the response carries Connection: close so the rest of the upload is dropped with the socket.
        req.pause()
        finish(createError('FN_ERR_BODY_TOO_LARGE', { message: `the body is over ${limit} bytes` }))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      finish(null, chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size))
    })
    req.once('error', (err) => { finish(err) })
  })
}

/** Parses a JSON body; an empty body is `emptyValue`. Malformed JSON → FN_ERR_BODY_INVALID_JSON with the parser's message. */
export function parseJson (text: string, emptyValue: unknown = {}): unknown {
  if (text.trim() === '') return emptyValue
  try {
    return JSON.parse(text)
  } catch (err) {
    throw createError('FN_ERR_BODY_INVALID_JSON', { message: (err as Error).message })
  }
}
