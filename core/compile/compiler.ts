import { Piscina } from 'piscina'
import { createError } from '../errors.js'
import type { CompileResult } from './compile-source.js'
import type { CompileTask } from './compile-worker.js'

export type { CompileResult } from './compile-source.js'

export interface CompilerOptions {
  /** Worker threads; 1 or 2 (this is a deploy-time path and the machine's cores belong to sandbox hosts). Default 1. */
  maxThreads?: number
  /** How long an idle worker lives, in ms. Default 30000: deploys are rare, so an idle worker goes rather than hold memory. */
  idleTimeout?: number
  /**
   * Longest one compile may take, in ms. Default 60000. Acorn is quadratic in the number of top-level declarations
   * (a 1 MiB file of `let aN = 0` lines takes seconds), so a bound keeps one deploy from holding the worker.
   */
  timeoutMs?: number
}

/**
 * Compiles deployed code once, in a small piscina pool, off the event loop that serves invocations. A refusal of
 * the user's code resolves `{ ok: false, message }`; a failure of the compiler itself (the worker crashed, threw, or
 * the pool is closed) rejects with FN_ERR_INTERNAL, which the HTTP layer answers 500.
 */
export class Compiler {
  readonly #pool: Piscina<CompileTask, CompileResult>
  readonly #timeoutMs: number
  #closing: Promise<void> | undefined

  constructor (opts: CompilerOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 60_000
    this.#pool = new Piscina({
      filename: new URL('./compile-worker.js', import.meta.url).href,
      // No thread until the first deploy; workers that are idle do not hold the process open (piscina unrefs them).
      minThreads: 0,
      maxThreads: Math.min(2, Math.max(1, Math.floor(opts.maxThreads ?? 1))),
      idleTimeout: opts.idleTimeout ?? 30_000,
      // close() lets compiles under way finish, but a shutdown does not wait on a deploy for longer than this.
      closeTimeout: 5_000,
      // A pathological source must not take the service's memory with it: the worker dies, the deploy gets a 500.
      resourceLimits: { maxOldGenerationSizeMb: 256 }
    })
    // Piscina emits 'error' for a worker that dies with no task (or a close that timed out); unheard, that event
    // would crash the service. Task failures already reject run(), and the next compile starts a fresh worker.
    this.#pool.on('error', () => {})
  }

  async compile (source: string, filePath: string): Promise<CompileResult> {
    if (this.#closing !== undefined) throw createError('FN_ERR_INTERNAL', { message: 'the compiler is closed' })
    const signal = AbortSignal.timeout(this.#timeoutMs)
    try {
      return await this.#pool.run({ source, filePath }, { signal })
    } catch (err) {
      // Piscina ends the worker of an aborted task; the next compile gets a fresh one. Too big to check is the code's fault.
      if (signal.aborted) return { ok: false, message: `Error: Function code took too long to compile (over ${this.#timeoutMs} ms)` }
      throw createError('FN_ERR_INTERNAL', { message: 'the compile worker failed', cause: err })
    }
  }

  /** Lets compiles under way finish, then ends every worker thread. Idempotent. */
  async close (): Promise<void> {
    this.#closing ??= this.#pool.close()
    await this.#closing
  }
}
