import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { createError } from '../errors.js'

const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Bearer' }

/** Hashing both sides first gives equal-length buffers, so the comparison time says nothing about the token's length either. */
function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

export interface TokenCheck {
  /** Throws FN_ERR_UNAUTHORIZED unless the request carries one of the accepted tokens; a no-op when no token is configured. */
  (req: IncomingMessage): void
}

/**
 * Builds a bearer check accepting any of `tokens` (undefined entries ignored). With no token configured the route is
 * open. The decision of whether a route is protected is made once here, not per request.
 */
export function bearerCheck (...tokens: Array<string | undefined>): TokenCheck {
  const accepted = tokens.filter((t): t is string => t !== undefined).map(digest)
  if (accepted.length === 0) return () => {}
  return (req) => {
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (match !== null) {
      const offered = digest(match[1] as string)
      let ok = false
      // Compare against every accepted token, without short-circuit, so timing does not reveal which one matched.
      for (const token of accepted) ok = timingSafeEqual(offered, token) || ok
      if (ok) return
    }
    throw createError('FN_ERR_UNAUTHORIZED', { headers: UNAUTHORIZED_HEADERS })
  }
}
