import { EventEmitter } from 'node:events'
import os from 'node:os'
import { createError } from '../errors.js'
import { HostIndex } from './host-index.js'
import { processMemoryBytes } from './host-memory.js'
import { RestartPolicy } from './restart-policy.js'
import { SandboxHandle, type HandleHooks } from './sandbox-handle.js'
import { TaskQueue } from './task-queue.js'
import type { InvocationOutcome, InvocationRequest, RestartReason, SupervisorOptions, SupervisorStats } from './types.js'

interface Task {
  req: InvocationRequest
  resolve: (outcome: InvocationOutcome) => void
  reject: (err: unknown) => void
  cleanup: () => void
}

const RETRY_AFTER = { 'Retry-After': '1' }

/**
 * Forking a host blocks the front's event loop for as long as the kernel takes to copy its page tables: ~1 ms for a
 * small front, ~15 ms with the embedded store's ~500 MB of WASM Postgres. A host a waiting invocation needs is
 * forked at once; a spare for whoever comes next is forked this much later (at once only when there is no host at
 * all), so that the invocation that just took or freed a host is answered before the fork, not behind it.
 */
const SPARE_SPAWN_DELAY_MS = 50

/** How often the hosts' memory is measured to size the bound on kept hosts (a few file reads per host). */
const HOST_MEMORY_SAMPLE_MS = 10_000
/** What a host is assumed to cost before one has been measured, and the least it is ever assumed to cost. */
const INITIAL_HOST_BYTES = 64 * 1024 * 1024
const MIN_HOST_BYTES = 16 * 1024 * 1024

/**
 * Runs invocations on forked sandbox hosts: a bounded FIFO queue, at most `poolSize` invocations at once, one per
 * host, and tenant affinity (a host serves one project for its whole life). How many run at once (cores) is apart
 * from how many hosts are kept: an idle host costs memory, not CPU, so every recently used project keeps its warm
 * hosts up to a bound sized from memory, and only at that bound is the least recently used one retired. Warm unbound
 * spares, forked ahead, absorb new projects and replacements. Hosts that die of a user's function are replaced at
 * once; hosts that fail on their own back off (restart-policy.ts) and, failing often enough, mark the pool degraded.
 */
export class Supervisor {
  readonly #opts: SupervisorOptions
  readonly #hosts = new HostIndex()
  readonly #queue = new TaskQueue<Task>()
  readonly #events = new EventEmitter()
  readonly #policy = new RestartPolicy()
  readonly #restarts: Record<RestartReason, number> = { timeout: 0, crash: 0, memory: 0, recycle: 0 }
  readonly #state = { accepting: true, destroyed: false, spawnBlockedUntil: 0 }
  #spawnTimer: NodeJS.Timeout | undefined
  #spareTimer: NodeJS.Timeout | undefined
  #spareDue = false
  /** Bytes the hosts used at the last measurement, and the bound on kept hosts it gives (or the configured one). */
  #hostsMemoryBytes = 0
  #maxHosts: number
  #memoryTimer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined
  readonly #hooks: HandleHooks

  constructor (opts: SupervisorOptions) {
    this.#opts = opts
    this.#maxHosts = this.#hostBound(INITIAL_HOST_BYTES)
    this.#hooks = {
      ready: () => {
        this.#policy.succeeded()
        if (this.#memoryTimer === undefined) this.#startMemorySampling()
        this.#events.emit('state')
        this.#pump()
      },
      idle: (host) => {
        if (host.invocations >= this.#opts.maxInvocationsPerHost) host.retire()
        this.#events.emit('state')
        this.#pump()
      },
      exit: (host, reason, info) => { this.#onExit(host, reason, info) }
    }
  }

  on (event: 'restart', listener: (reason: RestartReason) => void): this
  on (event: 'state', listener: () => void): this
  on (event: string, listener: (...args: any[]) => void): this {
    this.#events.on(event, listener)
    return this
  }

  /** Forks the spares and resolves when one host is ready; rejects when hosts cannot start at all. */
  async start (): Promise<void> {
    this.#pump()
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.#count((h) => h.available) > 0) {
          this.#events.off('state', check)
          resolve()
        } else if (this.#policy.degraded() !== null) {
          this.#events.off('state', check)
          reject(createError('FN_ERR_SANDBOX_UNAVAILABLE', { message: this.#policy.degraded() as string }))
        }
      }
      this.#events.on('state', check)
      check()
    })
  }

  run (req: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome> {
    if (!this.#state.accepting) return Promise.reject(createError('FN_ERR_SHUTTING_DOWN'))
    const degraded = this.#policy.degraded()
    if (degraded !== null && this.#count((h) => h.state !== 'dead') === 0) {
      return Promise.reject(createError('FN_ERR_SANDBOX_UNAVAILABLE', { message: degraded }))
    }
    return new Promise<InvocationOutcome>((resolve, reject) => {
      // A queued invocation waits for a host up to the queue's own limit, not the function's timeout (the limit on
      // running, which starts at dispatch); a client that leaves frees its place.
      const leave = (err: unknown): void => {
        if (this.#queue.remove(task)) {
          task.cleanup()
          reject(err)
        }
      }
      const waitMs = this.#opts.queueTimeoutMs
      const waitTimer = setTimeout(() => {
        leave(createError('FN_ERR_OVERLOADED', { message: `no sandbox host was free within QUEUE_TIMEOUT_MS (${waitMs} ms)`, headers: RETRY_AFTER }))
      }, waitMs)
      waitTimer.unref()
      const onAbort = (): void => { leave(createError('FN_ERR_OVERLOADED', { message: 'the client went away' })) }
      signal?.addEventListener('abort', onAbort, { once: true })
      const task: Task = {
        req,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(waitTimer)
          signal?.removeEventListener('abort', onAbort)
        }
      }
      this.#queue.push(task)
      this.#pump()
      if (this.#queue.has(task) && this.#queue.length > this.#opts.maxQueue) {
        leave(createError('FN_ERR_OVERLOADED', { message: `the queue is full (MAX_QUEUE ${this.#opts.maxQueue})`, headers: RETRY_AFTER }))
      }
    })
  }

  stats (): SupervisorStats {
    let starting = 0
    let idle = 0
    let busy = 0
    for (const h of this.#hosts) {
      if (h.state === 'starting') starting++
      else if (h.state === 'idle') idle++
      else if (h.state === 'busy') busy++
    }
    const r = this.#restarts
    return {
      hosts: { starting, idle, busy },
      inFlight: busy,
      queueDepth: this.#queue.length,
      restarts: r.timeout + r.crash + r.memory + r.recycle,
      restartsByReason: { ...r },
      degraded: this.#policy.degraded(),
      maxHosts: this.#maxHosts,
      hostsMemoryBytes: this.#hostsMemoryBytes
    }
  }

  /** Pids of live hosts, by project (for tests and diagnostics). */
  hostPids (): Array<{ pid: number | undefined, projectId: string | null, state: string }> {
    return [...this.#hosts].map((h) => ({ pid: h.pid, projectId: h.projectId, state: h.state }))
  }

  #count (pred: (h: SandboxHandle) => boolean): number {
    let n = 0
    for (const h of this.#hosts) if (pred(h)) n++
    return n
  }

  /** Matches queued tasks to hosts and keeps enough hosts coming. Called on every change of state. */
  #pump (): void {
    if (this.#state.destroyed) return
    let busy = this.#count((h) => h.state === 'busy')
    let unmatched = 0
    const waitingProjects = new Set<string>()
    for (const task of this.#queue) {
      if (busy >= this.#opts.poolSize) break
      const host = this.#hosts.idleFor(task.req.projectId)
      if (host === undefined) {
        unmatched++
        waitingProjects.add(task.req.projectId)
        continue
      }
      this.#queue.remove(task)
      task.cleanup()
      busy++
      host.run(task.req).then(task.resolve, task.reject)
      this.#hosts.bound(host)
    }
    if (!this.#state.accepting) return
    // Unbound hosts wanted: one per task that found none, as far as there are free run slots to put them in (sixteen
    // waiting invocations of one project on two slots want two hosts, not sixteen), plus the warm spares.
    const unbound = this.#hosts.spares()
    const forWaiting = Math.min(unmatched, Math.max(0, this.#opts.poolSize - busy))
    let wanted = forWaiting + Math.max(this.#opts.spares, 1) - unbound
    if (wanted > 0 && forWaiting === 0 && this.#hosts.size > 0 && !this.#spareDue) {
      this.#spareTimer ??= setTimeout(() => {
        this.#spareTimer = undefined
        this.#spareDue = true
        this.#pump()
      }, SPARE_SPAWN_DELAY_MS).unref()
      return
    }
    this.#spareDue = false
    while (wanted > 0) {
      if (this.#count((h) => h.state !== 'dead' && !h.retiring) >= this.#maxHosts) {
        // At the bound: retire the least recently used idle host of a project nobody is waiting for, and fork its
        // replacement now rather than after its exit, so that a project that is not warm waits for one fork, never
        // for another host's exit first (the bound may be passed by the hosts still exiting, for a moment).
        const victim = this.#hosts.leastRecentlyUsed(waitingProjects)
        if (victim === undefined) break
        victim.retire()
      }
      if (!this.#spawn()) break
      wanted--
    }
  }

  /** The bound on kept hosts: the configured one, else as many as the memory budget holds at `hostBytes` each. */
  #hostBound (hostBytes: number): number {
    const least = this.#opts.poolSize + Math.max(this.#opts.spares, 1)
    if (this.#opts.maxHosts !== undefined) return Math.max(this.#opts.maxHosts, least)
    const budget = this.#opts.hostMemoryBudgetBytes ?? os.totalmem() / 2
    return Math.max(least, Math.floor(budget / Math.max(hostBytes, MIN_HOST_BYTES)))
  }

  /** Measures the hosts now and every HOST_MEMORY_SAMPLE_MS, resizing the bound; hosts over it are retired. */
  #startMemorySampling (): void {
    const sample = async (): Promise<void> => {
      const ready = [...this.#hosts].filter((h) => h.state === 'idle' || h.state === 'busy')
      const sizes = (await Promise.all(ready.map(async (h) => h.pid === undefined ? undefined : await processMemoryBytes(h.pid))))
        .filter((b): b is number => b !== undefined)
      if (this.#state.destroyed || sizes.length === 0) return
      const total = sizes.reduce((a, b) => a + b, 0)
      this.#hostsMemoryBytes = total
      this.#maxHosts = this.#hostBound(total / sizes.length)
      let over = this.#count((h) => h.state !== 'dead' && !h.retiring) - this.#maxHosts
      while (over-- > 0) {
        const victim = this.#hosts.leastRecentlyUsed(new Set([...this.#queue].map((t) => t.req.projectId)))
        if (victim === undefined) break
        victim.retire()
      }
    }
    void sample()
    this.#memoryTimer = setInterval(() => { void sample() }, HOST_MEMORY_SAMPLE_MS)
    this.#memoryTimer.unref()
  }

  /** Forks a host unless the restart policy says to wait; then a timer pumps again. */
  #spawn (): boolean {
    const wait = this.#state.spawnBlockedUntil - Date.now()
    if (wait > 0) {
      if (this.#spawnTimer === undefined) {
        this.#spawnTimer = setTimeout(() => {
          this.#spawnTimer = undefined
          this.#pump()
        }, wait)
        this.#spawnTimer.unref()
      }
      return false
    }
    this.#hosts.add(new SandboxHandle(this.#opts, this.#hooks))
    return true
  }

  #onExit (host: SandboxHandle, reason: RestartReason, info: { everReady: boolean, wasBusy: boolean, code: number | null, signal: string | null }): void {
    this.#hosts.delete(host)
    if (this.#state.destroyed) return
    this.#restarts[reason]++
    this.#events.emit('restart', reason)
    if (!info.everReady || (!info.wasBusy && reason === 'crash')) {
      // Nothing of a user's ran here: the host itself is failing. Back off, and open the breaker if it keeps on.
      this.#policy.failed(`exit code ${String(info.code)}, signal ${String(info.signal)}`)
      this.#state.spawnBlockedUntil = Date.now() + this.#policy.delayMs()
      const degraded = this.#policy.degraded()
      if (degraded !== null) this.#opts.log.error('sandbox pool degraded', { reason: degraded })
    } else if (reason !== 'recycle') {
      this.#opts.log.warn('sandbox host replaced', { reason, hostPid: host.pid })
    }
    this.#events.emit('state')
    this.#pump()
  }

  /** Stops taking work, lets queued and running invocations finish within `graceMs`, then destroys. Idempotent. */
  close (graceMs: number): Promise<void> {
    this.#closing ??= (async () => {
      this.#state.accepting = false
      const drained = new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.#queue.length === 0 && this.#count((h) => h.state === 'busy') === 0) {
            this.#events.off('state', check)
            resolve()
          }
        }
        this.#events.on('state', check)
        check()
      })
      let timer: NodeJS.Timeout | undefined
      await Promise.race([drained, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs) })])
      clearTimeout(timer)
      await this.destroy()
    })()
    return this.#closing
  }

  /** Fails whatever is left and stops every host (shutdown, then SIGKILL). Idempotent. */
  async destroy (): Promise<void> {
    this.#state.accepting = false
    this.#state.destroyed = true
    clearTimeout(this.#spawnTimer)
    clearTimeout(this.#spareTimer)
    clearInterval(this.#memoryTimer)
    for (const task of this.#queue.drain()) {
      task.cleanup()
      task.reject(createError('FN_ERR_SHUTTING_DOWN'))
    }
    const hosts = [...this.#hosts]
    for (const h of hosts) h.retire()
    await Promise.all(hosts.map((h) => h.exited))
    this.#hosts.clear()
  }
}
