import type { FunctionRegistry, InvocationCount } from '../plugins/types.js'
import type { Logger } from './logger.js'

/**
 * Batches invocation counts in memory and flushes them with one atomic add per function, so the hot path never
 * writes to the database. A failed flush keeps the counts for the next one: none are lost while the process lives.
 */
export class InvocationCounter {
  readonly #pending = new Map<string, InvocationCount>()
  readonly #registry: FunctionRegistry
  readonly #log: Logger
  readonly #timer: NodeJS.Timeout
  readonly #discard: boolean
  #flushing: Promise<void> | undefined
  /** Reads in progress through exact(): no flush starts while there are any. */
  #readers = 0

  /** `discard`: the registry cannot store counts (a read-only execution node), so none are kept or reported. */
  constructor (registry: FunctionRegistry, log: Logger, intervalMs: number, opts: { discard?: boolean } = {}) {
    this.#registry = registry
    this.#log = log
    this.#discard = opts.discard ?? false
    this.#timer = setInterval(() => { void this.flush() }, intervalMs)
    this.#timer.unref()
  }

  add (projectId: string, functionName: string): void {
    if (this.#discard) return
    const key = `${projectId}:${functionName}`
    const entry = this.#pending.get(key)
    if (entry === undefined) this.#pending.set(key, { projectId, functionName, count: 1 })
    else entry.count++
  }

  /** Counts not yet written, so reads can report `invocation_count` exactly (inside exact()). */
  pendingFor (projectId: string, functionName: string): number {
    return this.#pending.get(`${projectId}:${functionName}`)?.count ?? 0
  }

  /**
   * Runs a storage read that adds pendingFor() to what storage says. A flush moves counts from memory to storage,
   * and a read that overlapped it would see them in neither place (or in both), so the read waits for a flush in
   * progress and none starts until it is done; the interval flushes what was skipped on its next tick.
   */
  async exact<T> (read: () => Promise<T>): Promise<T> {
    this.#readers++
    try {
      while (this.#flushing !== undefined) await this.#flushing
      return await read()
    } finally {
      this.#readers--
    }
  }

  /** Drops the pending counts of a deleted function. */
  forget (projectId: string, functionName: string): void {
    this.#pending.delete(`${projectId}:${functionName}`)
  }

  /** `force` (on close) flushes even while exact() reads run; they may then be off by what it writes. */
  flush (opts: { force?: boolean } = {}): Promise<void> {
    // One flush at a time; a caller arriving during a flush waits for it and then flushes what came since.
    const run = async (): Promise<void> => {
      if (this.#pending.size === 0 || (this.#readers > 0 && opts.force !== true)) return
      const batch = [...this.#pending.values()]
      this.#pending.clear()
      try {
        await this.#registry.addInvocationCounts(batch)
      } catch (err) {
        for (const c of batch) {
          const key = `${c.projectId}:${c.functionName}`
          const entry = this.#pending.get(key)
          if (entry === undefined) this.#pending.set(key, c)
          else entry.count += c.count
        }
        this.#log.warn('invocation count flush failed; will retry', { err })
      }
    }
    const next = (this.#flushing ?? Promise.resolve()).then(run)
    // Cleared when the last flush queued is done, so `#flushing` says whether one is under way (exact() waits on it).
    const tracked: Promise<void> = next.finally(() => { if (this.#flushing === tracked) this.#flushing = undefined })
    this.#flushing = tracked
    return next
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.flush({ force: true })
  }
}
