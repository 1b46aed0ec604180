import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../config/load-config.js'
import { ROUTE_MODULES } from '../../core/http/routes/index.js'
import type { RouteDeps, RouteTable } from '../../core/http/routes/types.js'

/**
 * docs/API.md is the contract: every route the server registers has a heading there, and every route heading there
 * is registered. The routes come from the same ROUTE_MODULES list createHttpServer defines, recorded instead of
 * served, so a route added, removed or renamed in code fails this test until the contract says so too.
 */

// From dist/test/http/ (where tsc puts this test) up to the repository root.
const apiMd = readFileSync(new URL('../../../docs/API.md', import.meta.url), 'utf8')

/**
 * `GET /api/functions/:projectId/:functionName` → `GET /api/functions/:/:`. Parameter names are not part of the
 * HTTP surface (the code names one `:listProjectId` for Polka's sake), so the contract may spell them for readers.
 */
function routeKey (method: string, pattern: string): string {
  return `${method === '' ? 'ANY' : method} ${pattern.replace(/:[A-Za-z0-9_]+/g, ':')}`
}

/** What the route modules define, in order, without building a server: they read deps only to shape routes. */
function registeredRoutes (): string[] {
  const routes: string[] = []
  const table: RouteTable = { define (method, pattern) { routes.push(routeKey(method, pattern)) } }
  // Only config is read at definition time (siteRoutes: whether INVOKE_TOKEN is set); a module that starts using
  // another dependency there fails here with a TypeError, which is the cue to pass it.
  const deps = { config: loadConfig({}) } as unknown as RouteDeps
  for (const defineRoutes of ROUTE_MODULES) defineRoutes(table, deps)
  return routes
}

/** Headings of the form ``### `METHOD /pattern` `` (any level, any text after the closing backtick). */
function documentedRoutes (markdown: string): string[] {
  const routes: string[] = []
  for (const [, method, pattern] of markdown.matchAll(/^#{1,6}[ \t]+`([A-Z]+) (\/[^`\s]*)`/gm)) {
    routes.push(routeKey(method as string, pattern as string))
  }
  return routes
}

function duplicates (list: readonly string[]): string[] {
  return list.filter((item, i) => list.indexOf(item) !== i)
}

function difference (a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b)
  return a.filter((item) => !other.has(item))
}

const inCode = registeredRoutes()
const inDocs = documentedRoutes(apiMd)

t.test('the server registers routes, each once', async t => {
  t.ok(inCode.includes('POST /api/v1/functions/:/:'), 'the invocation route is among them')
  t.same(duplicates(inCode), [], 'no (method, pattern) defined twice')
})

t.test('every registered route has a heading in docs/API.md', async t => {
  t.same(difference(inCode, inDocs), [], 'routes missing from docs/API.md')
})

t.test('every route heading in docs/API.md is a registered route', async t => {
  t.same(difference(inDocs, inCode), [], 'routes docs/API.md names that the server does not register')
})

t.test('docs/API.md documents each route under one heading', async t => {
  t.same(duplicates(inDocs), [], 'route headings that appear twice')
})

t.test('the check notices a heading taken out of docs/API.md', async t => {
  const heading = /^### `POST \/api\/v1\/functions\/:projectId\/:functionName`.*$/m
  t.match(apiMd, heading, 'the heading this check removes is there')
  t.ok(difference(inCode, documentedRoutes(apiMd.replace(heading, ''))).includes('POST /api/v1/functions/:/:'), 'reported missing')
})
