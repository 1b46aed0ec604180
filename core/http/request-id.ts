import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** A sane incoming id is echoed; anything else (too long, odd characters that could forge log lines) is replaced. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFor (req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID()
}
