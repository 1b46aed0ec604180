import { envRoutes } from './env.js'
import { invokeRoutes } from './invoke.js'
import { manageRoutes } from './manage.js'
import { metadataRoutes } from './metadata.js'
import { opsRoutes } from './ops.js'
import { siteRoutes } from './sites.js'
import type { RouteDeps, RouteTable } from './types.js'

/** A route module: defines its routes on the table; reads deps at definition time only for what shapes a route. */
export type RouteModule = (routes: RouteTable, deps: RouteDeps) => void

/**
 * Every route module, in the order the server defines them. The order matters: Polka serves the first pattern that
 * matches (the site routes, which match any method, come last). One list, so that the server and the test that
 * checks every route is in docs/API.md (test/http/routes-documented.test.ts) cannot disagree.
 */
export const ROUTE_MODULES: readonly RouteModule[] = [invokeRoutes, metadataRoutes, manageRoutes, envRoutes, opsRoutes, siteRoutes]
