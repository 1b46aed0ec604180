import { Compiler } from '../../core/compile/compiler.js'
import { createError, isServiceError } from '../../core/errors.js'
import type { EnvStore, FunctionRecord, FunctionRegistry, Plugin, RunnableFunction } from '../types.js'
import { RemoteEnvStore } from './remote-env.js'

/** An upstream that does not answer within this is treated as unavailable for that call. */
const REQUEST_TIMEOUT_MS = 5000

/**
 * A read-only registry over another instance's management API (`API_ENDPOINT`), for execution nodes that hold no
 * database credentials. Metadata and source come from `GET /api/functions/...`; the source is compiled here once per
 * sha256 and the result goes through the code cache like any other. Writes are refused, naming the upstream.
 */
export class RemoteApiRegistry implements FunctionRegistry {
  readonly kind = 'remote'
  readonly env: EnvStore
  readonly #base: string
  readonly #headers: Record<string, string>
  readonly #compiler: Compiler
  readonly #compiled = new Map<string, string>()

  constructor (opts: { endpoint: string, adminToken: string | undefined, compiler: Compiler }) {
    this.#base = opts.endpoint.replace(/\/+$/, '')
    this.#headers = opts.adminToken === undefined ? {} : { authorization: `Bearer ${opts.adminToken}` }
    this.#compiler = opts.compiler
    this.env = new RemoteEnvStore(async (path) => await this.#get(path), () => this.#refuse())
  }

  /** GET a path of the upstream: the body on 200, null on 404, FN_ERR_STORAGE_UNAVAILABLE on anything else. */
  async #get (path: string): Promise<Response | null> {
    let res: Response
    try {
      res = await fetch(this.#base + path, { headers: this.#headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    } catch (err) {
      throw createError('FN_ERR_STORAGE_UNAVAILABLE', { message: `upstream ${this.#base} did not answer`, cause: err })
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (res.status !== 200) {
      await res.body?.cancel()
      throw createError('FN_ERR_STORAGE_UNAVAILABLE', { message: `upstream ${this.#base} answered ${res.status}` })
    }
    return res
  }

  #refuse (): never {
    throw createError('FN_ERR_READ_ONLY', { message: `this instance runs functions managed at ${this.#base}; deploy there` })
  }

  async get (projectId: string, functionName: string): Promise<FunctionRecord | null> {
    const res = await this.#get(`/api/functions/${projectId}/${functionName}`)
    return res === null ? null : ((await res.json()) as { function: FunctionRecord }).function
  }

  async list (projectId: string): Promise<FunctionRecord[]> {
    const res = await this.#get(`/api/functions/projects/${projectId}`)
    return res === null ? [] : ((await res.json()) as { functions: FunctionRecord[] }).functions
  }

  async source (projectId: string, functionName: string): Promise<{ source: string, filePath: string } | null> {
    const record = await this.get(projectId, functionName)
    if (record === null) return null
    const res = await this.#get(`/api/functions/${projectId}/${functionName}/code`)
    return res === null ? null : { source: await res.text(), filePath: record.file_path }
  }

  async runnable (projectId: string, functionName: string): Promise<RunnableFunction | null> {
    const record = await this.get(projectId, functionName)
    if (record === null) return null
    let compiled = this.#compiled.get(record.code_sha256)
    if (compiled === undefined) {
      const found = await this.source(projectId, functionName)
      if (found === null) return null
      const result = await this.#compiler.compile(found.source, found.filePath)
      if (!result.ok) throw createError('FN_ERR_INTERNAL', { message: `upstream code of ${projectId}/${functionName} does not compile: ${result.message}` })
      // The upstream may have changed between the two reads: trust the sha256 of what was compiled.
      if (result.sha256 !== record.code_sha256) return await this.runnable(projectId, functionName)
      compiled = result.compiled
      this.#compiled.set(record.code_sha256, compiled)
      if (this.#compiled.size > 1000) this.#compiled.delete(this.#compiled.keys().next().value as string)
    }
    return {
      id: record.id, projectId, functionName, filePath: record.file_path, isActive: record.is_active,
      timeoutMs: record.timeout_ms, codeSha256: record.code_sha256, compiled, ...await this.env.resolved(projectId, functionName)
    }
  }

  async create (): Promise<never> { this.#refuse() }
  async put (): Promise<never> { this.#refuse() }
  async patch (): Promise<never> { this.#refuse() }
  async remove (): Promise<never> { this.#refuse() }

  /** The management API has no way to add counts: the upstream counts only what it runs itself. */
  async addInvocationCounts (): Promise<void> {}

  async ping (): Promise<void> {
    try {
      const res = await fetch(`${this.#base}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      await res.body?.cancel()
      // A draining or degraded upstream still serves reads; only no answer at all is unreachable.
    } catch (err) {
      if (isServiceError(err)) throw err
      throw createError('FN_ERR_STORAGE_UNAVAILABLE', { message: `upstream ${this.#base} did not answer`, cause: err })
    }
  }
}

export const remoteRegistryPlugin: Plugin = {
  name: 'registry-remote-api',
  decorates: ['registry'],
  async register (app) {
    const compiler = new Compiler({ maxThreads: 1 })
    const registry = new RemoteApiRegistry({ endpoint: app.config.apiEndpoint as string, adminToken: app.config.adminToken, compiler })
    app.decorate('registry', registry)
    app.onClose(() => compiler.close())
    app.log.info(`storage: read-only, from the management API at ${app.config.apiEndpoint as string}`)
  }
}
