/**
 * The small typed seam between core and plugins. Core knows only these interfaces; which storage and cache
 * implement them is chosen by plugins/index.ts from the configuration.
 */
import type { Config } from '../config/schema.js'
import type { Logger } from '../core/logger.js'

/** A function as clients see it (docs/API.md, "The function record"). Never carries code. */
export interface FunctionRecord {
  id: string
  project_id: string
  function_name: string
  file_path: string
  runtime: string
  is_active: boolean
  invocation_count: number
  timeout_ms: number
  code_sha256: string
  created_at: string
  updated_at: string
  /** The function's own variables (not its project's), on single records (GET, deploy answers); never in lists. */
  env?: Record<string, string>
  /** Names of its secret variables, never their values (none until secrets exist). */
  secret_names?: string[]
}

/** Code as stored: the source as deployed, its sha256, and the compiled script the sandbox runs. */
export interface FunctionCode {
  source: string
  sha256: string
  compiled: string
}

/** What a deploy (POST or PUT) writes. */
export interface FunctionInput {
  projectId: string
  functionName: string
  filePath: string
  runtime: string
  timeoutMs: number
  isActive: boolean
  code: FunctionCode
}

/** What PATCH may change; absent fields stay as they are. */
export interface FunctionPatch {
  filePath?: string
  timeoutMs?: number
  isActive?: boolean
  code?: FunctionCode
}

/** Everything an invocation needs, and nothing more: this is what the code cache holds. */
export interface RunnableFunction {
  id: string
  projectId: string
  functionName: string
  filePath: string
  isActive: boolean
  timeoutMs: number
  codeSha256: string
  compiled: string
  /** The variables the function sees: its project's, overridden by name by its own. */
  env: Readonly<Record<string, string>>
  /** Its secrets, sealed; names disjoint from `env`'s. */
  secrets: readonly SealedSecret[]
}

export interface InvocationCount {
  projectId: string
  functionName: string
  count: number
}

/** Where a variable is set: a project (every function of it), or one function when `functionName` is given. */
export interface EnvScope {
  projectId: string
  functionName?: string
}

/** A variable as clients see it (docs/API.md, Variables): a secret's value is never there. */
export interface EnvRecord {
  name: string
  secret: boolean
  value?: string
  created_at: string
  updated_at: string
}

/** A variable as stored: for a secret, `value` is its sealed form (core/secrets/secret-box.ts), never the secret. */
export interface StoredVariable {
  name: string
  secret: boolean
  value: string
  created_at: string
  updated_at: string
}

/** A secret a function sees, as stored: opened only when a sandbox host that lacks it is sent its variables. */
export interface SealedSecret {
  name: string
  /** Where it is set: '' for the project, else the function's name (part of the secret's identity). */
  functionName: string
  sealed: string
}

/** What a function sees, resolved (its own override its project's by name): plain values, and sealed secrets. */
export interface ResolvedVariables {
  env: Record<string, string>
  secrets: SealedSecret[]
}

/** Project and function variables. Writes are whole: a refused one changes nothing. */
export interface EnvStore {
  /** By name. */
  list (scope: EnvScope): Promise<StoredVariable[]>
  /** `value` is the sealed form when `secret`. */
  put (scope: EnvScope, name: string, value: string, secret: boolean): Promise<{ record: StoredVariable, created: boolean }>
  remove (scope: EnvScope, name: string): Promise<boolean>
  /** Makes `vars` the function's own variables of that kind (`secret`: sealed values), exactly (a deploy's `env`/`secrets`). */
  replace (scope: Required<EnvScope>, vars: Readonly<Record<string, string>>, secret: boolean): Promise<void>
  /** What the function sees: the project's variables, overridden by name by the function's own. */
  resolved (projectId: string, functionName: string): Promise<ResolvedVariables>
  /** Every secret as stored, for rotation. */
  secrets (): Promise<Array<SealedSecret & { projectId: string }>>
  /** Replaces a secret's sealed value if it is still `from` (rotation racing a write loses nothing). */
  reseal (secret: SealedSecret & { projectId: string }, to: string): Promise<boolean>
}

export interface FunctionRegistry {
  /** Human-readable name of the backend, for logs and /health. */
  readonly kind: string
  /** The variables of this registry's projects and functions; a function's own go when the function is removed. */
  readonly env: EnvStore
  get (projectId: string, functionName: string): Promise<FunctionRecord | null>
  list (projectId: string): Promise<FunctionRecord[]>
  /** Throws FN_ERR_FUNCTION_EXISTS when the name is taken in the project. */
  create (input: FunctionInput): Promise<FunctionRecord>
  /** Create or replace (idempotent deploy); keeps id, created_at and invocation_count of a replaced function. */
  put (input: FunctionInput): Promise<{ record: FunctionRecord, created: boolean }>
  patch (projectId: string, functionName: string, changes: FunctionPatch): Promise<FunctionRecord | null>
  remove (projectId: string, functionName: string): Promise<boolean>
  source (projectId: string, functionName: string): Promise<{ source: string, filePath: string } | null>
  runnable (projectId: string, functionName: string): Promise<RunnableFunction | null>
  /** Adds batched counts atomically (`invocation_count = invocation_count + n`); unknown functions are skipped. */
  addInvocationCounts (counts: readonly InvocationCount[]): Promise<void>
  /** Resolves when the backend answers; rejects with the reason otherwise (for /health). */
  ping (): Promise<void>
}

/**
 * The code cache: `{projectId}:{functionName}` → RunnableFunction, with a TTL, invalidated by every write.
 *
 * Filling it after a miss races writes: a reader can read the old row, a writer then commits and invalidates, and
 * the reader fills the cache with the old row. So a reader takes a fill token BEFORE it reads storage, and set()
 * drops (or undoes) a fill whose key was invalidated since the token was taken.
 */
export interface FunctionCache {
  readonly kind: string
  get (projectId: string, functionName: string): Promise<RunnableFunction | undefined>
  fillToken (projectId: string, functionName: string): Promise<string>
  set (projectId: string, functionName: string, fn: RunnableFunction, token: string): Promise<void>
  /** Drops the entry and moves the project's route generation: any write may change the project's site routes. */
  invalidate (projectId: string, functionName: string): Promise<void>
  /**
   * The project's route generation: a value that changes (on every instance sharing the cache) with every
   * invalidate() of one of its functions, so a route table built after reading it is current while it still reads
   * the same. undefined when the cache cannot tell (Redis down): the caller builds the table from storage.
   */
  routeGeneration (projectId: string): Promise<string | undefined>
}

/** Filled by plugins through declaration merging. */
export interface Decorations {
  registry: FunctionRegistry
  functionCache: FunctionCache
}

export interface App {
  readonly config: Config
  readonly log: Logger
  /** Throws FN_ERR_DEC_ALREADY_PRESENT, or FN_ERR_DEC_AFTER_START once ready() has run. */
  decorate<K extends keyof Decorations> (name: K, value: Decorations[K]): void
  /** Throws FN_ERR_DEC_MISSING naming the decoration when no plugin provided it. */
  get<K extends keyof Decorations> (name: K): Decorations[K]
  has (name: keyof Decorations): boolean
  /** Runs in registration order once every plugin has registered. */
  onReady (fn: () => Promise<void>): void
  /** Runs in reverse registration order on close; an error is logged and the rest still run. */
  onClose (fn: () => Promise<void>): void
}

export interface PluginMeta {
  /** kebab-case, unique; named in every error and log line about the plugin. */
  readonly name: string
  /** Plugin names that must register first. */
  readonly dependencies?: readonly string[]
  /** Decorations this plugin promises; checked after register(). */
  readonly decorates?: readonly (keyof Decorations)[]
  /** register() budget; past it FN_ERR_PLUGIN_TIMEOUT names the plugin. Default 10 s. */
  readonly timeoutMs?: number
}

export interface Plugin extends PluginMeta {
  register (app: App): Promise<void>
}
