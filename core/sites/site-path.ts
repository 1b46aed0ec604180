/**
 * The path under a site, as the client sent it, turned into decoded segments the route table can match; or null
 * when it cannot name a function. Refused: `.` and `..` segments (raw or percent-encoded: the path would point
 * outside where it seems to), encoded slashes and backslashes (a segment that decodes to `a/b` would let one
 * segment pass for two), empty segments inside the path, and malformed percent-encoding.
 */

/** `%2F`, `%5C` and `%00` in any case: decoded, they would change how the path splits or ends. */
const ENCODED_SEPARATOR = /%(?:2f|5c|00)/i

/** Splits a raw path such as `/api/users/42` (or `''`, `/`, `/api/hello/`) into raw segments; one trailing slash is ignored. */
export function rawSegments (rawPath: string): string[] {
  if (rawPath === '' || rawPath === '/') return []
  const parts = rawPath.split('/')
  if (parts[0] === '') parts.shift()
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

export function decodeSegments (raw: readonly string[]): string[] | null {
  const decoded: string[] = []
  for (const segment of raw) {
    if (segment === '' || ENCODED_SEPARATOR.test(segment) || segment.includes('\\')) return null
    let value = segment
    if (segment.includes('%')) {
      try {
        value = decodeURIComponent(segment)
      } catch {
        return null
      }
    }
    if (value === '.' || value === '..') return null
    decoded.push(value)
  }
  return decoded
}
