import vm from 'node:vm'
import { SCRIPT_CACHE_SIZE } from './protocol.js'

export interface CompiledScript {
  script: vm.Script
  /** The script's value in `context`, the realm it was last evaluated in. */
  outer: unknown
  context: vm.Context | undefined
}
export type CachedScript = CompiledScript | { error: string }

/**
 * Compiled scripts by sha256, least recently used evicted first. A script that fails to compile is cached as its
 * error, so the cache holds exactly the keys the supervisor believes it holds.
 *
 * The compiled form (`(function (exports, module) {...})`, core/compile/compile-source.ts) is wrapped here so
 * that each invocation has a global object of its own in a realm that serves many (realm-lockdown.ts):
 *
 *     (function (scope) { with (scope) { return (function (globalThis, console, Object, Array, ...) { return (
 *     <compiled>
 *     ) }) } })
 *
 * `with (scope)` makes every global name the code reads or writes resolve to the invocation's global object
 * first. The global bindings are also declared as parameters inside it, so the common names (console, JSON,
 * Math...) resolve statically to the same values instead of through `with` or Node's global interceptor (a CPU-bound
 * loop runs two orders of magnitude faster). The wrapper sits on line 0 so that line N of the source stays line N.
 */
export class ScriptCache {
  readonly #entries = new Map<string, CachedScript>()
  readonly #capacity: number
  readonly #head: string

  constructor (parameterNames: readonly string[], capacity = SCRIPT_CACHE_SIZE) {
    this.#capacity = capacity
    this.#head = `(function (scope) { with (scope) { return (function (${parameterNames.join(', ')}) { return (\n`
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
      entry = { script: new vm.Script(`${this.#head}${code}\n) }) } })`, { filename, lineOffset: -1 }), outer: undefined, context: undefined }
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

  /** The script's value in `context`, evaluated once per realm: it holds nothing of any invocation. */
  outerIn (entry: CompiledScript, context: vm.Context): unknown {
    if (entry.context !== context) {
      entry.outer = entry.script.runInContext(context)
      entry.context = context
    }
    return entry.outer
  }
}
