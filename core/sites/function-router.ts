import type { FunctionCache, FunctionRecord, FunctionRegistry } from '../../plugins/types.js'
import { RouteTable, type RouteMatch } from './route-table.js'
import { decodeSegments } from './site-path.js'

interface Held {
  readonly generation: string
  readonly expires: number
  readonly table: RouteTable
}

/** Route tables kept per instance; past this, the oldest goes (a project that comes back rebuilds from storage). */
const MAX_PROJECTS = 1000

/**
 * Maps a site path to the function that serves it. Each project's route table is built once from storage and
 * kept here, keyed on the project's route generation from the function cache, which every write to one of the
 * project's functions moves (on every instance sharing Redis). So a request costs one generation read from the
 * cache and no storage read while nothing changed, and the very next request after a deploy, update or delete sees
 * the new routes. The local TTL (CODE_CACHE_TTL_MS) stays within the generation's own TTL in Redis, so a table
 * cannot outlive the record of a write that made it stale.
 */
export class FunctionRouter {
  readonly #registry: FunctionRegistry
  readonly #cache: FunctionCache
  readonly #ttlMs: number
  readonly #tables = new Map<string, Held>()
  /** Builds in flight, so a burst of requests after a deploy reads storage once, not once per request. */
  readonly #building = new Map<string, { generation: string, table: Promise<RouteTable> }>()

  constructor (deps: { registry: FunctionRegistry, cache: FunctionCache, ttlMs: number }) {
    this.#registry = deps.registry
    this.#cache = deps.cache
    this.#ttlMs = deps.ttlMs
  }

  /**
   * The function serving `pathSegments` (the path under the site, split on `/`, still percent-encoded) in the
   * project, with its decoded path parameters; null when none does or the path cannot name one.
   */
  async resolveRoute (projectId: string, pathSegments: readonly string[]): Promise<RouteMatch | null> {
    const segments = decodeSegments(pathSegments)
    if (segments === null) return null
    return (await this.getProjectFunctions(projectId)).match(segments)
  }

  /** The project's current route table (its `functions` list what serves which route). */
  async getProjectFunctions (projectId: string): Promise<RouteTable> {
    // Read BEFORE storage: a write landing after this read moves the generation, so what we build is never kept
    // under a generation newer than the data it was built from.
    const generation = await this.#cache.routeGeneration(projectId)
    if (generation === undefined) return await this.#build(projectId)
    const held = this.#tables.get(projectId)
    if (held !== undefined && held.generation === generation && held.expires > Date.now()) return held.table
    const building = this.#building.get(projectId)
    if (building !== undefined && building.generation === generation) return await building.table
    const table = this.#build(projectId)
    const entry = { generation, table }
    this.#building.set(projectId, entry)
    try {
      const built = await table
      this.#keep(projectId, { generation, expires: Date.now() + this.#ttlMs, table: built })
      return built
    } finally {
      if (this.#building.get(projectId) === entry) this.#building.delete(projectId)
    }
  }

  async #build (projectId: string): Promise<RouteTable> {
    const records = await this.#registry.list(projectId)
    return new RouteTable([...records].sort(byAge).map((r) => ({ functionName: r.function_name, filePath: r.file_path })))
  }

  #keep (projectId: string, held: Held): void {
    this.#tables.delete(projectId)
    this.#tables.set(projectId, held)
    if (this.#tables.size > MAX_PROJECTS) this.#tables.delete(this.#tables.keys().next().value as string)
  }
}

/** Oldest first, as the route index backfill keeps the oldest of two functions claiming one route. */
function byAge (a: FunctionRecord, b: FunctionRecord): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
