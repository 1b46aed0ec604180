import { envSchema } from '../config/schema.js'
import type { EnvRecord, EnvScope, FunctionCache, FunctionRegistry } from '../plugins/types.js'
import { createError } from './errors.js'

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

/**
 * Secrets (write-only, encrypted at rest) are not built yet. A variable is stored and shown as it is, so a request
 * for a secret is refused rather than silently stored in plain text.
 */
export function refuseSecrets (): never {
  throw invalid('secret variables (write-only, encrypted at rest) are not available yet; variables are stored in plain text and shown in metadata, so set only non-secret configuration')
}

/** Throws `400 Invalid request` naming the first variable that may not be set as given. */
export function checkVariables (vars: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (!ENV_NAME_PATTERN.test(name)) throw invalid(`variable "${name.slice(0, 140)}": names match ${ENV_NAME_PATTERN.source}`)
    if (RESERVED.has(name)) throw invalid(`variable "${name}" is reserved (the service itself reads it)`)
    if (typeof value !== 'string') throw invalid(`variable "${name}": values are strings`)
  }
}

function sizeOf (vars: Readonly<Record<string, string>>): number {
  let bytes = 0
  for (const [name, value] of Object.entries(vars)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value)
  return bytes
}

function checkSize (vars: Readonly<Record<string, string>>, where: string): void {
  const bytes = sizeOf(vars)
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

  constructor (deps: { registry: FunctionRegistry, cache: FunctionCache }) {
    this.#registry = deps.registry
    this.#cache = deps.cache
  }

  async list (scope: EnvScope): Promise<EnvRecord[]> {
    await this.#mustExist(scope)
    return await this.#registry.env.list(scope)
  }

  async put (scope: EnvScope, name: string, value: string): Promise<{ record: EnvRecord, created: boolean }> {
    checkVariables({ [name]: value })
    await this.#mustExist(scope)
    await this.#checkResolvedSizes(scope, { [name]: value })
    const written = await this.#registry.env.put(scope, name, value)
    await this.#invalidate(scope)
    return written
  }

  async remove (scope: EnvScope, name: string): Promise<void> {
    if (!ENV_NAME_PATTERN.test(name)) throw createError('FN_ERR_VARIABLE_NOT_FOUND')
    await this.#mustExist(scope)
    const removed = await this.#registry.env.remove(scope, name)
    await this.#invalidate(scope)
    if (!removed) throw createError('FN_ERR_VARIABLE_NOT_FOUND')
  }

  /** A deploy's `env`, checked before the deploy writes anything: the function's own set, as it will be. */
  async checkDeployEnv (projectId: string, functionName: string, vars: Readonly<Record<string, string>>): Promise<void> {
    checkVariables(vars)
    const project = Object.fromEntries((await this.#registry.env.list({ projectId })).map((r) => [r.name, r.value]))
    checkSize({ ...project, ...vars }, `function ${functionName}`)
  }

  /** Makes `vars` the function's own variables (after its deploy was written; the deploy invalidates the cache). */
  async replace (projectId: string, functionName: string, vars: Readonly<Record<string, string>>): Promise<void> {
    await this.#registry.env.replace({ projectId, functionName }, vars)
  }

  /** The function's own variables, for its record. */
  async own (projectId: string, functionName: string): Promise<Record<string, string>> {
    return Object.fromEntries((await this.#registry.env.list({ projectId, functionName })).map((r) => [r.name, r.value]))
  }

  /** Function variables belong to a function that exists; project variables need no project record. */
  async #mustExist (scope: EnvScope): Promise<void> {
    if (scope.functionName !== undefined && await this.#registry.get(scope.projectId, scope.functionName) === null) {
      throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    }
  }

  /** Every function the change reaches stays within MAX_ENV_BYTES once it is made. */
  async #checkResolvedSizes (scope: EnvScope, change: Readonly<Record<string, string>>): Promise<void> {
    const { projectId, functionName } = scope
    if (functionName !== undefined) {
      checkSize({ ...await this.#registry.env.resolved(projectId, functionName), ...change }, `function ${functionName}`)
      return
    }
    const project = Object.fromEntries((await this.#registry.env.list({ projectId })).map((r) => [r.name, r.value]))
    checkSize({ ...project, ...change }, `project ${projectId}`)
    for (const fn of await this.#registry.list(projectId)) {
      checkSize({ ...project, ...change, ...await this.own(projectId, fn.function_name) }, `function ${fn.function_name}`)
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
