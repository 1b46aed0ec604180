import vm from 'node:vm'
import { SCRIPT_CACHE_SIZE } from './protocol.js'

export type CachedScript = { script: vm.Script } | { error: string }

/**
 * Compiled scripts by sha256, least recently used evicted first. A script that fails to compile is cached as its
 * error, so the cache holds exactly the keys the supervisor believes it holds.
 */
export class ScriptCache {
  readonly #entries = new Map<string, CachedScript>()
  readonly #capacity: number

  constructor (capacity = SCRIPT_CACHE_SIZE) {
    this.#capacity = capacity
  }

  /** Returns the cached entry (marking it used), compiling `code` when it is new; undefined when neither is possible. */
  get (sha256: string, code: string | undefined, filename: string): CachedScript | undefined {
    const hit = this.#entries.get(sha256)
    if (hit !== undefined) {
      this.#entries.delete(sha256)
      this.#entries.set(sha256, hit)
      return hit
    }
    if (code === undefined) return undefined
    let entry: CachedScript
    try {
      entry = { script: new vm.Script(code, { filename }) }
    } catch (err) {
      entry = { error: `${(err as Error).name}: ${(err as Error).message}` }
    }
    this.#entries.set(sha256, entry)
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
    return entry
  }
}
