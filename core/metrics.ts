import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type Outcome = 'success' | 'error' | 'timeout' | 'rejected'
export type RestartReason = 'timeout' | 'crash' | 'memory' | 'recycle'

/** What the metrics read from the sandbox pool at scrape time (gauges are computed on scrape, not on the hot path). */
export interface PoolGauges {
  hosts: { idle: number, busy: number, starting: number }
  inFlight: number
  queueDepth: number
  maxHosts: number
  hostsMemoryBytes: number
}

/** Histogram buckets from 1 ms to the 30 s limit, dense where functions usually land. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30]

/** Every metric of docs/API.md, defined in one place. */
export class Metrics {
  readonly registry = new Registry()
  readonly #functionLabels: boolean
  readonly #invocations: Counter<'project_id' | 'function_name' | 'outcome'>
  readonly #duration: Histogram<'project_id' | 'function_name'>
  readonly #restarts: Counter<'reason'>
  readonly #cache: Counter<'result'>
  readonly #http: Counter<'route' | 'method' | 'status'>

  constructor (opts: { functionLabels: boolean, pool: () => PoolGauges }) {
    const registers = [this.registry]
    this.#functionLabels = opts.functionLabels
    const fnLabels = opts.functionLabels ? ['project_id', 'function_name'] as const : [] as const
    this.#invocations = new Counter({
      name: 'functions_invocations_total',
      help: 'Function invocations by outcome (rejected = refused before reaching a sandbox host).',
      labelNames: [...fnLabels, 'outcome'],
      registers
    })
    this.#duration = new Histogram({
      name: 'functions_invocation_duration_seconds',
      help: 'Handler execution time as measured by the sandbox host, excluding queueing.',
      labelNames: [...fnLabels],
      buckets: DURATION_BUCKETS,
      registers
    })
    new Gauge({ name: 'functions_in_flight', help: 'Invocations running in a sandbox host.', registers, collect () { this.set(opts.pool().inFlight) } })
    new Gauge({ name: 'functions_queue_depth', help: 'Invocations waiting for a sandbox host.', registers, collect () { this.set(opts.pool().queueDepth) } })
    new Gauge({
      name: 'functions_sandbox_hosts',
      help: 'Sandbox host processes by state.',
      labelNames: ['state'],
      registers,
      collect () {
        const { hosts } = opts.pool()
        this.set({ state: 'idle' }, hosts.idle)
        this.set({ state: 'busy' }, hosts.busy)
        this.set({ state: 'starting' }, hosts.starting)
      }
    })
    new Gauge({ name: 'functions_sandbox_hosts_limit', help: 'Sandbox hosts kept at most (SANDBOX_MAX_HOSTS, or sized from memory).', registers, collect () { this.set(opts.pool().maxHosts) } })
    new Gauge({ name: 'functions_sandbox_hosts_memory_bytes', help: 'Memory of all ready sandbox hosts at the last measurement (proportional set size).', registers, collect () { this.set(opts.pool().hostsMemoryBytes) } })
    this.#restarts = new Counter({ name: 'functions_sandbox_restarts_total', help: 'Sandbox hosts replaced, by reason.', labelNames: ['reason'], registers })
    for (const reason of ['timeout', 'crash', 'memory', 'recycle']) this.#restarts.inc({ reason }, 0)
    this.#cache = new Counter({ name: 'functions_code_cache_requests_total', help: 'Code cache look-ups by result.', labelNames: ['result'], registers })
    this.#cache.inc({ result: 'hit' }, 0)
    this.#cache.inc({ result: 'miss' }, 0)
    this.#http = new Counter({ name: 'functions_http_requests_total', help: 'HTTP requests by route pattern, method and status.', labelNames: ['route', 'method', 'status'], registers })
    collectDefaultMetrics({ register: this.registry })
    // Gauges named like counters: `promtool check metrics` rejects them, and each is only the sum of its labelled
    // twin without the suffix (nodejs_active_handles{type=...}), which stays.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name)
    }
  }

  invocation (projectId: string, functionName: string, outcome: Outcome, durationMs?: number): void {
    if (this.#functionLabels) {
      this.#invocations.inc({ project_id: projectId, function_name: functionName, outcome })
      if (durationMs !== undefined) this.#duration.observe({ project_id: projectId, function_name: functionName }, durationMs / 1000)
    } else {
      this.#invocations.inc({ outcome })
      if (durationMs !== undefined) this.#duration.observe(durationMs / 1000)
    }
  }

  restart (reason: RestartReason): void { this.#restarts.inc({ reason }) }
  cacheLookup (hit: boolean): void { this.#cache.inc({ result: hit ? 'hit' : 'miss' }) }
  httpRequest (route: string, method: string, status: number): void { this.#http.inc({ route, method, status: String(status) }) }

  /** Forgets the per-function series of a deleted function so the scrape does not grow without bound. */
  forgetFunction (projectId: string, functionName: string): void {
    if (!this.#functionLabels) return
    for (const outcome of ['success', 'error', 'timeout', 'rejected']) {
      this.#invocations.remove({ project_id: projectId, function_name: functionName, outcome })
    }
    this.#duration.remove({ project_id: projectId, function_name: functionName })
  }
}
