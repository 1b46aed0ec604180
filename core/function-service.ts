import type { Config } from '../config/schema.js'
import type { FunctionCache, FunctionCode, FunctionInput, FunctionRecord, FunctionRegistry } from '../plugins/types.js'
import type { Compiler } from './compile/compiler.js'
import type { EnvService } from './env-service.js'
import { createError } from './errors.js'
import type { DeployBody, ManagePatchBody } from './http/validate.js'
import type { InvocationCounter } from './invocation-counter.js'
import type { Metrics } from './metrics.js'
import { parseRoute } from './sites/route-pattern.js'

/** "node<major>" of the Node.js that runs the sandbox hosts: the only runtime this service can provide. */
export const RUNTIME = `node${process.versions.node.split('.')[0] ?? ''}`

/**
 * Deploys and manages functions: compile (off the event loop), write through the registry, then invalidate the code
 * cache so the very next invocation sees the change. Counts not yet flushed are added to records on read.
 */
export class FunctionService {
  readonly #config: Config
  readonly #registry: FunctionRegistry
  readonly #cache: FunctionCache
  readonly #compiler: Compiler
  readonly #counter: InvocationCounter
  readonly #metrics: Metrics
  readonly #env: EnvService

  constructor (deps: { config: Config, registry: FunctionRegistry, cache: FunctionCache, compiler: Compiler, counter: InvocationCounter, metrics: Metrics, env: EnvService }) {
    this.#env = deps.env
    this.#config = deps.config
    this.#registry = deps.registry
    this.#cache = deps.cache
    this.#compiler = deps.compiler
    this.#counter = deps.counter
    this.#metrics = deps.metrics
  }

  async get (projectId: string, functionName: string): Promise<FunctionRecord> {
    const record = await this.#counter.exact(async () => {
      const stored = await this.#registry.get(projectId, functionName)
      return stored === null ? null : this.#withPending(stored)
    })
    if (record === null) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    return await this.#withEnv(record)
  }

  async list (projectId: string): Promise<FunctionRecord[]> {
    return await this.#counter.exact(async () => (await this.#registry.list(projectId)).map((r) => this.#withPending(r)))
  }

  async source (projectId: string, functionName: string): Promise<{ source: string, filePath: string }> {
    const found = await this.#registry.source(projectId, functionName)
    if (found === null) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    return found
  }

  async create (projectId: string, body: DeployBody & { function_name: string }): Promise<FunctionRecord> {
    const input = await this.#deployInput(projectId, body.function_name, body)
    const record = await this.#registry.create(input)
    await this.#env.replace(projectId, body.function_name, body.env, body.secrets)
    await this.#cache.invalidate(projectId, body.function_name)
    return await this.#withEnv(record)
  }

  async put (projectId: string, functionName: string, body: DeployBody): Promise<{ record: FunctionRecord, created: boolean }> {
    if (body.function_name !== undefined && body.function_name !== functionName) {
      throw createError('FN_ERR_INVALID_REQUEST', { message: `function_name "${body.function_name}" does not match the path ("${functionName}")` })
    }
    const input = await this.#deployInput(projectId, functionName, body)
    const result = await this.#counter.exact(async () => {
      const written = await this.#registry.put(input)
      return { record: this.#withPending(written.record), created: written.created }
    })
    // A deploy's `env` (`secrets`) is the function's own set of that kind from now on; without it, it stays as it was.
    await this.#env.replace(projectId, functionName, body.env, body.secrets)
    await this.#cache.invalidate(projectId, functionName)
    return { record: await this.#withEnv(result.record), created: result.created }
  }

  /** A deploy body as the registry stores it, with the defaults of docs/API.md; compiles (cheap checks first). */
  async #deployInput (projectId: string, functionName: string, body: DeployBody): Promise<FunctionInput> {
    // Variables are checked before anything is written: a refused deploy changes nothing.
    if (body.env !== undefined || body.secrets !== undefined) await this.#env.checkDeploy(projectId, functionName, body.env, body.secrets)
    const filePath = checkRoute(body.file_path ?? `api/${functionName}.js`)
    const runtime = this.#runtime(body.runtime)
    const code = await this.#compile(body.code, filePath)
    return { projectId, functionName, filePath, runtime, timeoutMs: body.timeout_ms ?? this.#config.functionTimeoutMs, isActive: body.is_active ?? true, code }
  }

  async patch (projectId: string, functionName: string, body: ManagePatchBody): Promise<FunctionRecord> {
    if (body.file_path !== undefined) checkRoute(body.file_path)
    let code: FunctionCode | undefined
    if (body.code !== undefined) {
      // The file path decides the source language, so a code change compiles under the path it will have.
      const filePath = body.file_path ?? (await this.get(projectId, functionName)).file_path
      code = await this.#compile(body.code, filePath)
    } else if (body.file_path !== undefined && /\.ts$/.test(body.file_path) !== /\.ts$/.test((await this.get(projectId, functionName)).file_path)) {
      throw createError('FN_ERR_INVALID_REQUEST', { message: 'changing file_path between JavaScript and TypeScript needs the code in the same request' })
    }
    const changes = {
      ...(body.file_path !== undefined ? { filePath: body.file_path } : {}),
      ...(body.timeout_ms !== undefined ? { timeoutMs: body.timeout_ms } : {}),
      ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
      ...(code !== undefined ? { code } : {})
    }
    const record = await this.#counter.exact(async () => {
      const written = await this.#registry.patch(projectId, functionName, changes)
      return written === null ? null : this.#withPending(written)
    })
    await this.#cache.invalidate(projectId, functionName)
    if (record === null) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    return await this.#withEnv(record)
  }

  async remove (projectId: string, functionName: string): Promise<void> {
    const removed = await this.#registry.remove(projectId, functionName)
    await this.#cache.invalidate(projectId, functionName)
    if (!removed) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    this.#counter.forget(projectId, functionName)
    this.#metrics.forgetFunction(projectId, functionName)
  }

  #runtime (requested: string | undefined): string {
    if (requested === undefined || requested === RUNTIME) return RUNTIME
    throw createError('FN_ERR_INVALID_REQUEST', { message: `runtime "${requested}" is not available; this service runs ${RUNTIME}` })
  }

  async #compile (source: string, filePath: string): Promise<FunctionCode> {
    const bytes = Buffer.byteLength(source)
    if (bytes > this.#config.maxCodeBytes) {
      throw createError('FN_ERR_BODY_TOO_LARGE', { message: `code is ${bytes} bytes; the limit (MAX_CODE_BYTES) is ${this.#config.maxCodeBytes}` })
    }
    const result = await this.#compiler.compile(source, filePath)
    if (!result.ok) throw createError('FN_ERR_INVALID_CODE', { message: result.message })
    return { source, sha256: result.sha256, compiled: result.compiled }
  }

  /** A single record with the function's own variables: plain values, and its secrets' names only. */
  async #withEnv (record: FunctionRecord): Promise<FunctionRecord> {
    const { env, secretNames } = await this.#env.own(record.project_id, record.function_name)
    return { ...record, env, secret_names: secretNames }
  }

  #withPending (record: FunctionRecord): FunctionRecord {
    const pending = this.#counter.pendingFor(record.project_id, record.function_name)
    return pending === 0 ? record : { ...record, invocation_count: record.invocation_count + pending }
  }
}

/**
 * Every file path is a site route (core/sites/route-pattern.ts): one that cannot be (`api/[id.js`, a catch-all
 * that is not last) is refused at deploy rather than deployed unreachable.
 */
function checkRoute (filePath: string): string {
  const parsed = parseRoute(filePath)
  if (!parsed.ok) throw createError('FN_ERR_INVALID_REQUEST', { message: `file_path "${filePath}" is not a site route: ${parsed.reason}` })
  return filePath
}
