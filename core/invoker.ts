import { createHash, randomUUID } from 'node:crypto'
import type { Config } from '../config/schema.js'
import type { FunctionCache, FunctionRegistry, RunnableFunction } from '../plugins/types.js'
import { boundText } from './bounded-text.js'
import { createError, hasCode } from './errors.js'
import type { SecretBox } from './secrets/secret-box.js'
import type { InvocationCounter } from './invocation-counter.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import type { Supervisor } from './supervisor/supervisor.js'
import type { InvocationOutcome } from './supervisor/types.js'

/** An invocation's answer, ready for HTTP: the status and the JSON text of the body. */
export interface InvocationResponse {
  statusCode: number
  body: string
}

/** A successful run, for the caller to shape: the result as JSON text (checked by the supervisor). */
export interface InvocationSuccess {
  result: string
  /** ms, rounded to µs. */
  duration: number
  logs: string[]
  invocationId: string
}

/** What run() answers: the caller's value for a success, or the API's error response for a failed execution. */
export type Invocation<T> = { ok: true, value: T } | { ok: false, response: InvocationResponse }

/** The invocation route's success body; the result is spliced in without being parsed and re-serialised. */
function apiSuccess (s: InvocationSuccess): InvocationResponse {
  return {
    statusCode: 200,
    body: `{"success":true,"result":${s.result},"duration":${s.duration},"logs":${JSON.stringify(s.logs)},"invocationId":${JSON.stringify(s.invocationId)}}`
  }
}

/** Secret values shorter than this are not masked: masking `1` or `on` would garble every log line. */
const MIN_MASKED_LENGTH = 8

interface HostEnv {
  /** A sha256 of the set as stored (secrets sealed): what hosts know the set by. */
  envKey: string
  /** Opens the set for a host that lacks it. */
  openEnv: () => { json: string, mask: string[] }
}

/**
 * A function's variable set as hosts know it, once per cached function object (the memory cache hands out the same
 * one; a Redis read is a new object, and then a 1 KiB set costs a few µs).
 */
const hostEnvs = new WeakMap<RunnableFunction, HostEnv>()
function hostEnvOf (fn: RunnableFunction, box: SecretBox | undefined): HostEnv {
  let env = hostEnvs.get(fn)
  if (env === undefined) {
    // Entries cached before variables existed have none.
    env = { envKey: createHash('sha256').update(JSON.stringify([fn.env ?? {}, fn.secrets ?? []])).digest('hex'), openEnv: opener(fn, box) }
    hostEnvs.set(fn, env)
  }
  return env
}

function opener (fn: RunnableFunction, box: SecretBox | undefined): () => { json: string, mask: string[] } {
  return () => {
    const secrets = fn.secrets ?? []
    if (secrets.length === 0) return { json: JSON.stringify(fn.env ?? {}), mask: [] }
    if (box === undefined) throw createError('FN_ERR_SECRET_UNREADABLE', { message: 'the function has secret variables and SECRETS_KEY is not set' })
    const env: Record<string, string> = { ...fn.env }
    const mask: string[] = []
    for (const s of secrets) {
      const value = box.open(s.sealed, { projectId: fn.projectId, functionName: s.functionName, name: s.name })
      env[s.name] = value
      if (value.length >= MIN_MASKED_LENGTH) mask.push(value)
    }
    return { json: JSON.stringify(env), mask }
  }
}

/** Totals for /health; successful + failed = total by construction. */
export interface InvocationTotals {
  successful: number
  failed: number
}

/**
 * Runs a function by name: code from the cache (or the registry on a miss), a sandbox host from the supervisor,
 * and the outcome shaped as docs/API.md words it. The function's result arrives as JSON text checked by the
 * supervisor and is spliced into the response without being parsed and re-serialised again.
 */
export class Invoker {
  readonly totals: InvocationTotals = { successful: 0, failed: 0 }
  readonly #registry: FunctionRegistry
  readonly #cache: FunctionCache
  readonly #supervisor: Supervisor
  readonly #counter: InvocationCounter
  readonly #metrics: Metrics
  readonly #log: Logger
  readonly #memoryMb: number
  readonly #box: SecretBox | undefined

  constructor (deps: { config: Config, registry: FunctionRegistry, cache: FunctionCache, supervisor: Supervisor, counter: InvocationCounter, metrics: Metrics, log: Logger, box?: SecretBox }) {
    this.#box = deps.box
    this.#registry = deps.registry
    this.#cache = deps.cache
    this.#supervisor = deps.supervisor
    this.#counter = deps.counter
    this.#metrics = deps.metrics
    this.#log = deps.log
    this.#memoryMb = deps.config.sandboxMemoryMb
  }

  /** The runnable function, from the code cache when it holds it. */
  async resolve (projectId: string, functionName: string): Promise<RunnableFunction | null> {
    const cached = await this.#cache.get(projectId, functionName)
    this.#metrics.cacheLookup(cached !== undefined)
    if (cached !== undefined) return cached
    // Taken before the read, so a write that lands between our read and our fill voids the fill.
    const token = await this.#cache.fillToken(projectId, functionName)
    const fn = await this.#registry.runnable(projectId, functionName)
    if (fn !== null) await this.#cache.set(projectId, functionName, fn, token)
    return fn
  }

  /**
   * Invokes with `event` as JSON text (already checked to parse). Throws ServiceErrors for answers that are not an
   * execution (404, 403, 503); returns the response for everything that reached a sandbox host. `requestId` ties
   * the invocation's log lines to the HTTP request (X-Request-Id); `signal` frees a queued place when the client goes.
   */
  async invoke (projectId: string, functionName: string, event: string, opts: { signal?: AbortSignal, requestId?: string } = {}): Promise<InvocationResponse> {
    const answer = await this.run(projectId, functionName, event, opts, apiSuccess)
    return answer.ok ? answer.value : answer.response
  }

  /**
   * invoke() with the success shaped by `onSuccess` (the site route turns results into HTTP responses). When
   * `onSuccess` throws FN_ERR_RESULT_INVALID, the invocation is an execution error with that message, answered,
   * counted and logged as one.
   */
  async run<T> (projectId: string, functionName: string, event: string, opts: { signal?: AbortSignal, requestId?: string },
    onSuccess: (success: InvocationSuccess) => T): Promise<Invocation<T>> {
    const { signal, requestId } = opts
    const fn = await this.resolve(projectId, functionName)
    if (fn === null) throw createError('FN_ERR_FUNCTION_NOT_FOUND')
    if (!fn.isActive) throw createError('FN_ERR_FUNCTION_DISABLED')
    const invocationId = randomUUID()
    const log = this.#log.child(requestId === undefined ? { projectId, functionName, invocationId } : { requestId, projectId, functionName, invocationId })
    log.info(`Function invocation: ${projectId}/${functionName}`)
    let outcome: InvocationOutcome
    try {
      outcome = await this.#supervisor.run({
        invocationId,
        projectId,
        functionName,
        filePath: fn.filePath,
        sha256: fn.codeSha256,
        compiled: fn.compiled,
        event,
        timeoutMs: fn.timeoutMs,
        ...hostEnvOf(fn, this.#box)
      }, signal)
    } catch (err) {
      if (hasCode(err, 'FN_ERR_OVERLOADED') || hasCode(err, 'FN_ERR_SHUTTING_DOWN') || hasCode(err, 'FN_ERR_SANDBOX_UNAVAILABLE')) {
        this.#metrics.invocation(projectId, functionName, 'rejected')
        log.warn(`Function rejected: ${projectId}/${functionName}`, { outcome: 'rejected', reason: (err as Error).message })
      }
      if (hasCode(err, 'FN_ERR_SANDBOX_UNAVAILABLE')) throw createError('FN_ERR_OVERLOADED', { message: 'no sandbox host can start', headers: { 'Retry-After': '5' }, cause: err })
      throw err
    }
    this.#counter.add(projectId, functionName)
    const duration = Math.round(outcome.duration * 1000) / 1000
    if (outcome.outcome === 'success') {
      let value: T | undefined
      try {
        value = onSuccess({ result: outcome.result, duration, logs: outcome.logs, invocationId })
      } catch (err) {
        if (!hasCode(err, 'FN_ERR_RESULT_INVALID')) throw err
        outcome = { outcome: 'error', message: (err as { detail?: string }).detail ?? (err as Error).message, duration: outcome.duration, logs: outcome.logs }
      }
      if (outcome.outcome === 'success') {
        this.totals.successful++
        this.#metrics.invocation(projectId, functionName, 'success', outcome.duration)
        log.info(`Function succeeded: ${projectId}/${functionName} (${duration}ms)`, { duration, outcome: 'success' })
        return { ok: true, value: value as T }
      }
    }
    this.totals.failed++
    let statusCode = 500
    let error = 'Function execution failed'
    let message: string
    switch (outcome.outcome) {
      case 'timeout':
        statusCode = 504
        error = 'Function execution timeout'
        message = `Function execution timeout (${fn.timeoutMs}ms)`
        break
      case 'memory':
        message = `Function exceeded memory limit (${this.#memoryMb} MB)`
        break
      default:
        // The function's text (what it threw, or a result check naming its data): bounded for the answer and the log.
        message = boundText(outcome.message)
    }
    const counted = outcome.outcome === 'timeout' ? 'timeout' : 'error'
    this.#metrics.invocation(projectId, functionName, counted, outcome.duration)
    log.warn(`Function failed: ${projectId}/${functionName} (${duration}ms)`, { duration, outcome: counted, reason: outcome.outcome, message })
    return {
      ok: false,
      response: {
        statusCode,
        body: `{"error":${JSON.stringify(error)},"message":${JSON.stringify(message)},"logs":${JSON.stringify(outcome.logs)},"invocationId":${JSON.stringify(invocationId)}}`
      }
    }
  }
}
