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

  /** Counts not yet written, so reads can report `invocation_count` exactly. */
  pendingFor (projectId: string, functionName: string): number {
    return this.#pending.get(`${projectId}:${functionName}`)?.count ?? 0
  }

  /** Drops the pending counts of a deleted function. */
  forget (projectId: string, functionName: string): void {
    this.#pending.delete(`${projectId}:${functionName}`)
  }

  flush (): Promise<void> {
    // One flush at a time; a caller arriving during a flush waits for it and then flushes what came since.
    const run = async (): Promise<void> => {
      if (this.#pending.size === 0) return
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
    this.#flushing = next.finally(() => { if (this.#flushing === next) this.#flushing = undefined })
    return next
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
  }
}
