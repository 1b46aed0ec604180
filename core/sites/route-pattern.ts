/**
 * A function's site route, read from its `file_path` the way static-site hosts read their `api/` folder:
 * `api/hello.js` (or `.ts`, `.mjs`, `.cjs`, or `api/hello/index.js`) serves `/api/hello`, `api/users/[id].js` serves
 * `/api/users/<anything>` and `api/files/[...path].js` serves `/api/files/<one or more segments>`.
 */

export type RouteSegment =
  | { readonly kind: 'static', readonly value: string }
  | { readonly kind: 'param', readonly name: string }
  | { readonly kind: 'catchAll', readonly name: string }

export interface RoutePattern {
  readonly segments: readonly RouteSegment[]
  /**
   * What two file paths must not share within a project: the route with parameter names left out, so that
   * `api/users/[id].js` and `api/users/[uid].ts` collide. Stored as `route_key` under a unique index; the SQL that
   * backfills it (plugins/registry/migrations.ts, migration 2) computes the same string.
   */
  readonly key: string
  /** For people: `/api/users/[id]`. */
  readonly route: string
}

export type ParsedRoute = { ok: true, pattern: RoutePattern } | { ok: false, reason: string }

const EXTENSION = /\.(?:js|mjs|cjs|ts)$/
const PARAM = /^\[([A-Za-z0-9_-]+)\]$/
const CATCH_ALL = /^\[\.\.\.([A-Za-z0-9_-]+)\]$/
const STATIC = /^[A-Za-z0-9_.-]+$/

export function parseRoute (filePath: string): ParsedRoute {
  if (!EXTENSION.test(filePath)) return { ok: false, reason: 'it does not end in .js, .mjs, .cjs or .ts' }
  const parts = filePath.replace(EXTENSION, '').split('/')
  // `api/hello/index.js` is the folder's own route, as `index.html` is a folder's page.
  if (parts[parts.length - 1] === 'index') parts.pop()
  const segments: RouteSegment[] = []
  const names = new Set<string>()
  for (const [i, part] of parts.entries()) {
    const catchAll = CATCH_ALL.exec(part)
    const param = catchAll === null ? PARAM.exec(part) : null
    const name = catchAll?.[1] ?? param?.[1]
    if (name !== undefined) {
      if (names.has(name)) return { ok: false, reason: `the parameter "${name}" appears twice` }
      names.add(name)
      if (catchAll !== null && i !== parts.length - 1) return { ok: false, reason: `the catch-all segment "${part}" must be the last one` }
      segments.push(catchAll !== null ? { kind: 'catchAll', name } : { kind: 'param', name })
    } else if (part === '' || part === '.' || part === '..') {
      return { ok: false, reason: 'it has an empty, "." or ".." segment' }
    } else if (!STATIC.test(part)) {
      return { ok: false, reason: `the segment "${part}" is neither plain (letters, digits, "_", "-", ".") nor [name] or [...name]` }
    } else {
      segments.push({ kind: 'static', value: part })
    }
  }
  const key = segments.map((s) => s.kind === 'static' ? s.value : s.kind === 'param' ? '[]' : '[...]').join('/')
  const route = '/' + segments.map((s) => s.kind === 'static' ? s.value : s.kind === 'param' ? `[${s.name}]` : `[...${s.name}]`).join('/')
  return { ok: true, pattern: { segments, key, route } }
}

/** The route key of a file path, or null when the path is not a route (only legacy rows can be: deploys refuse them). */
export function routeKeyOf (filePath: string): string | null {
  const parsed = parseRoute(filePath)
  return parsed.ok ? parsed.pattern.key : null
}
