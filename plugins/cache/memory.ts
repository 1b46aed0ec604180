import { Keyv } from 'keyv'
import type { FunctionCache, Plugin, RunnableFunction } from '../types.js'

/** Expired entries are swept this often, so functions nobody calls any more do not hold memory. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000

export interface MemoryFunctionCache extends FunctionCache {
  /** Entries held right now, expired or not (for tests and debugging). */
  size (): number
  close (): void
}

/**
 * The in-process code cache: Keyv over a Map, `{projectId}:{functionName}` → RunnableFunction with a TTL. Values
 * are kept as objects (no serializer), frozen so that no caller can change what the next invocation reads.
 */
export function createMemoryFunctionCache (opts: { ttlMs: number, sweepIntervalMs?: number }): MemoryFunctionCache {
  const store = new Map<string, { value: RunnableFunction, expires?: number }>()
  const keyv = new Keyv<RunnableFunction>({ store, ttl: opts.ttlMs, namespace: '', serialize: undefined, deserialize: undefined })
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [key, entry] of store) if (entry.expires !== undefined && entry.expires <= now) store.delete(key)
  }, opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS)
  sweep.unref()
  const key = (projectId: string, functionName: string): string => `${projectId}:${functionName}`
  // Bumped by every invalidation; a fill carries the generation it saw before its storage read.
  const generations = new Map<string, number>()
  // Per project, moved by every invalidation of one of its functions (site route tables are keyed on it).
  const routeGenerations = new Map<string, number>()
  let nextGeneration = 1
  return {
    kind: 'memory',
    get: (projectId, functionName) => keyv.get(key(projectId, functionName)),
    fillToken: async (projectId, functionName) => String(generations.get(key(projectId, functionName)) ?? 0),
    async set (projectId, functionName, fn, token) {
      const k = key(projectId, functionName)
      if (String(generations.get(k) ?? 0) !== token) return
      await keyv.set(k, Object.freeze({ ...fn }))
    },
    async invalidate (projectId, functionName) {
      const k = key(projectId, functionName)
      generations.set(k, nextGeneration++)
      routeGenerations.set(projectId, nextGeneration++)
      await keyv.delete(k)
    },
    routeGeneration: async (projectId) => String(routeGenerations.get(projectId) ?? 0),
    size: () => store.size,
    close: () => { clearInterval(sweep) }
  }
}

export const memoryCachePlugin: Plugin = {
  name: 'cache-memory',
  decorates: ['functionCache'],
  async register (app) {
    const cache = createMemoryFunctionCache({ ttlMs: app.config.codeCacheTtlMs })
    app.decorate('functionCache', cache)
    app.onClose(async () => { cache.close() })
  }
}
