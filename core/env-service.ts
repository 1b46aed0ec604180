import { envSchema } from '../config/schema.js'
import type { EnvRecord, EnvScope, FunctionCache, FunctionRegistry, StoredVariable } from '../plugins/types.js'
import { createError } from './errors.js'
import { sealedValueBytes, type SecretBox } from './secrets/secret-box.js'

/** Variable names: what shells and Lambda accept (a letter or `_`, then letters, digits, `_`). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/**
 * Names a function may not set: NODE_OPTIONS (it would reach Node itself wherever a variable set leaks into a real
 * environment), and every variable the service reads, so no user's configuration can be mistaken for the operator's.
 */
const RESERVED = new Set(['NODE_OPTIONS', 'SECRETS_KEY', 'SECRETS_KEY_PREVIOUS', ...Object.keys(envSchema.properties)])

/** Bytes (names and values, UTF-8) of one function's resolved variables at most: Lambda allows 4 KiB. */
export const MAX_ENV_BYTES = 32 * 1024

function invalid (message: string): Error {
  return createError('FN_ERR_INVALID_REQUEST', { message })
}

/** Without a key a secret is refused, never stored in plain text. */
const NO_KEY = 'secret variables need SECRETS_KEY (32 random bytes, base64: `openssl rand -base64 32`); none is set, and secrets are never stored unencrypted'

/** What clients see of a stored variable: never a secret's value, sealed or not. */
function toRecord (v: StoredVariable): EnvRecord {
  return v.secret
    ? { name: v.name, secret: true, created_at: v.created_at, updated_at: v.updated_at }
    : { name: v.name, secret: false, value: v.value, created_at: v.created_at, updated_at: v.updated_at }
}

/** Throws `400 Invalid request` naming the first variable that may not be set as given. */
export function checkVariables (vars: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (!ENV_NAME_PATTERN.test(name)) throw invalid(`variable "${name.slice(0, 140)}": names match ${ENV_NAME_PATTERN.source}`)
    if (RESERVED.has(name)) throw invalid(`variable "${name}" is reserved (the service itself reads it)`)
    if (typeof value !== 'string') throw invalid(`variable "${name}": values are strings`)
  }
}

/** Name → bytes of its value; a set's size is its names' and values' bytes. */
type Sizes = Record<string, number>

function sizesOf (vars: Readonly<Record<string, string>>): Sizes {
  return Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, Buffer.byteLength(value)]))
}

function storedSizes (stored: readonly StoredVariable[]): Sizes {
  return Object.fromEntries(stored.map((v) => [v.name, v.secret ? sealedValueBytes(v.value) : Buffer.byteLength(v.value)]))
}

function checkSize (sizes: Sizes, where: string): void {
  let bytes = 0
  for (const [name, size] of Object.entries(sizes)) bytes += Buffer.byteLength(name) + size
  if (bytes > MAX_ENV_BYTES) throw invalid(`the variables of ${where} would be ${bytes} bytes; at most ${MAX_ENV_BYTES} (names and values)`)
}

/**
 * Project and function variables: checked whole before anything is written (a refusal changes nothing), then
 * written, then the code cache of every function they reach invalidated, so the very next invocation on every
 * instance sees them (runnable functions carry their resolved variables).
 */
export class EnvService {
  readonly #registry: FunctionRegistry
  readonly #cache: FunctionCache
  readonly #box: SecretBox | undefined

  constructor (deps: { registry: FunctionRegistry, cache: FunctionCache, box: SecretBox | undefined }) {
    this.#registry = deps.registry
    this.#cache = deps.cache
    this.#box = deps.box
  }

  async list (scope: EnvScope): Promise<EnvRecord[]> {
    await this.#mustExist(scope)
    return (await this.#registry.env.list(scope)).map(toRecord)
  }

  /** The list with each secret's sealed form (`sealed`), for execution nodes, which open them with their own key. */
  async listSealed (scope: EnvScope): Promise<Array<EnvRecord & { sealed?: string }>> {
    await this.#mustExist(scope)
    return (await this.#registry.env.list(scope)).map((v) => v.secret ? { ...toRecord(v), sealed: v.value } : toRecord(v))
  }

  async put (scope: EnvScope, name: string, value: string, secret: boolean): Promise<{ record: EnvRecord, created: boolean }> {
    checkVariables({ [name]: value })
    const box = secret ? this.#needBox() : undefined
    await this.#mustExist(scope)
    await this.#checkResolvedSizes(scope, { [name]: Buffer.byteLength(value) })
    const stored = box === undefined ? value : box.seal(value, { projectId: scope.projectId, functionName: scope.functionName ?? '', name })
    const written = await this.#registry.env.put(scope, name, stored, secret)
    await this.#invalidate(scope)
    return { record: toRecord(written.record), created: written.created }
  }

  async remove (scope: EnvScope, name: string): Promise<void> {
    if (!ENV_NAME_PATTERN.test(name)) throw createError('FN_ERR_VARIABLE_NOT_FOUND')
    await this.#mustExist(scope)
    const removed = await this.#registry.env.remove(scope, name)
    await this.#invalidate(scope)
    if (!removed) throw createError('FN_ERR_VARIABLE_NOT_FOUND')
  }

  /**
   * A deploy's `env` and `secrets`, checked before the deploy writes anything: the function's own set as it will be
   * (a kind not given keeps what it has). A name may not be in both.
   */
  async checkDeploy (projectId: string, functionName: string, env: Readonly<Record<string, string>> | undefined, secrets: Readonly<Record<string, string>> | undefined): Promise<void> {
    if (env !== undefined) checkVariables(env)
    if (secrets !== undefined) {
      checkVariables(secrets)
      this.#needBox()
      const both = Object.keys(secrets).find((name) => env !== undefined && name in env)
      if (both !== undefined) throw invalid(`variable "${both}" is in both env and secrets`)
    }
    const own = await this.#registry.env.list({ projectId, functionName })
    const kept = storedSizes(own.filter((v) => v.secret ? secrets === undefined : env === undefined))
    const project = storedSizes(await this.#registry.env.list({ projectId }))
    checkSize({ ...project, ...kept, ...sizesOf(env ?? {}), ...sizesOf(secrets ?? {}) }, `function ${functionName}`)
  }

  /** Makes these the function's own variables of each kind given (after its deploy was written, which invalidates). */
  async replace (projectId: string, functionName: string, env: Readonly<Record<string, string>> | undefined, secrets: Readonly<Record<string, string>> | undefined): Promise<void> {
    if (env !== undefined) await this.#registry.env.replace({ projectId, functionName }, env, false)
    if (secrets !== undefined) {
      const box = this.#needBox()
      const sealed = Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, box.seal(value, { projectId, functionName, name })]))
      await this.#registry.env.replace({ projectId, functionName }, sealed, true)
    }
  }

  /** The function's own variables for its record: plain values, and its secrets' names only. */
  async own (projectId: string, functionName: string): Promise<{ env: Record<string, string>, secretNames: string[] }> {
    const stored = await this.#registry.env.list({ projectId, functionName })
    return {
      env: Object.fromEntries(stored.filter((v) => !v.secret).map((v) => [v.name, v.value])),
      secretNames: stored.filter((v) => v.secret).map((v) => v.name)
    }
  }

  #needBox (): SecretBox {
    if (this.#box === undefined) throw invalid(NO_KEY)
    return this.#box
  }

  /** Function variables belong to a function that exists; project variables need no project record. */
  async #mustExist (scope: EnvScope): Promise<void> {
    if (scope.functionName !== undefined && await this.#registry.get(scope.projectId, scope.functionName) === null) {
      throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    }
  }

  /** Every function the change reaches stays within MAX_ENV_BYTES once it is made. */
  async #checkResolvedSizes (scope: EnvScope, change: Sizes): Promise<void> {
    const { projectId, functionName } = scope
    const project = storedSizes(await this.#registry.env.list({ projectId }))
    if (functionName !== undefined) {
      const own = storedSizes(await this.#registry.env.list(scope))
      checkSize({ ...project, ...own, ...change }, `function ${functionName}`)
      return
    }
    checkSize({ ...project, ...change }, `project ${projectId}`)
    for (const fn of await this.#registry.list(projectId)) {
      const own = storedSizes(await this.#registry.env.list({ projectId, functionName: fn.function_name }))
      checkSize({ ...project, ...change, ...own }, `function ${fn.function_name}`)
    }
  }

  async #invalidate (scope: EnvScope): Promise<void> {
    if (scope.functionName !== undefined) {
      await this.#cache.invalidate(scope.projectId, scope.functionName)
      return
    }
    // A project variable reaches every function of the project.
    for (const fn of await this.#registry.list(scope.projectId)) await this.#cache.invalidate(scope.projectId, fn.function_name)
  }
}
