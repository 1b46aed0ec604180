import { Piscina } from 'piscina'
import { createError } from '../errors.js'
import type { CompileResult } from './compile-source.js'
import type { CompileTask } from './compile-worker.js'

export type { CompileResult } from './compile-source.js'

/** Compiles deployed code in a small piscina pool, off the event loop that serves invocations. */
export class Compiler {
  readonly #pool: Piscina<CompileTask, CompileResult>

  constructor (opts: { maxThreads?: number, idleTimeout?: number } = {}) {
    this.#pool = new Piscina({
      filename: new URL('./compile-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: opts.maxThreads ?? 1,
      // Deploys are rare: let an idle worker go rather than hold its memory.
      idleTimeout: opts.idleTimeout ?? 30_000
    })
  }

  async compile (source: string, filePath: string): Promise<CompileResult> {
    try {
      return await this.#pool.run({ source, filePath })
    } catch (err) {
      throw createError('FN_ERR_INTERNAL', { message: 'the compile worker failed', cause: err })
    }
  }

  async close (): Promise<void> {
    await this.#pool.destroy()
  }
}
