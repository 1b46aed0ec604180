import type { ChildProcess } from 'node:child_process'
import { ENV_CACHE_SIZE, SCRIPT_CACHE_SIZE, parseChildMessage, type ChildMessage, type InvokeMessage } from '../../sandbox-host/protocol.js'
import { boundText } from '../bounded-text.js'
import type { Logger } from '../logger.js'
import { ChildLru } from './child-lru.js'
import { exitReason } from './exit-reason.js'
import type { HostState, InvocationOutcome, InvocationRequest, RestartReason, SupervisorOptions } from './types.js'

/** Bytes of stderr kept to classify a death (V8's OOM message is short). */
const STDERR_TAIL_BYTES = 8192
/** Slack over the log limits before a child counts as flooding (the truncation line, framing). */
const LOG_SLACK_BYTES = 64 * 1024
/** After `shutdown`, how long a host has to exit before SIGKILL. */
const SHUTDOWN_GRACE_MS = 2000

export interface HandleHooks {
  ready (host: SandboxHandle): void
  idle (host: SandboxHandle): void
  exit (host: SandboxHandle, reason: RestartReason, info: { everReady: boolean, wasBusy: boolean, code: number | null, signal: string | null }): void
}

interface Running {
  req: InvocationRequest
  resolve: (outcome: InvocationOutcome) => void
  dispatchedAt: number
  logs: string[]
  logBytes: number
  answered: boolean
  deadline: NodeJS.Timeout
}

let nextHostId = 1

/**
 * The builtin `fork` itself, not whatever an agent or test tool may have wrapped `child_process` with (APM agents
 * and coverage tools inject NODE_OPTIONS=--require/--import into children): a sandbox host's flags and environment
 * must be exactly the ones chosen here.
 */
const { fork } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process')

/**
 * One forked sandbox host: starting → idle ⇄ busy → dead. Everything the child says is checked (shape, and that it
 * answers the invocation this host is running); anything else kills it. A task is answered exactly once: by its
 * result, its deadline, or the child's death.
 */
export class SandboxHandle {
  readonly id = nextHostId++
  state: HostState = 'starting'
  /** Tenant affinity: the one project this host may ever serve (null until first use). */
  projectId: string | null = null
  invocations = 0
  lastUsed = 0
  readonly #child: ChildProcess
  readonly #opts: SupervisorOptions
  readonly #hooks: HandleHooks
  readonly #log: Logger
  /** sha256s of the scripts the child holds: code is sent only when it is not there. */
  readonly #scripts = new ChildLru<string, true>(SCRIPT_CACHE_SIZE)
  /** Variable sets the child holds, by their sha256, with the id the child knows each by. */
  readonly #envs = new ChildLru<string, number>(ENV_CACHE_SIZE)
  #nextEnvId = 1
  #running: Running | undefined
  #stderr = ''
  #everReady = false
  #timedOut = false
  #retired = false
  #violation: string | undefined
  readonly #startTimer: NodeJS.Timeout
  /** Resolves once the child has exited and its pipes have closed. */
  readonly exited: Promise<void>
  #markExited!: () => void

  constructor (opts: SupervisorOptions, hooks: HandleHooks) {
    this.#opts = opts
    this.#hooks = hooks
    this.exited = new Promise((resolve) => { this.#markExited = resolve })
    this.#log = opts.log
    this.#child = fork(opts.hostScript, [JSON.stringify(opts.limits)], {
      // Never the parent's environment: it holds database and cache credentials.
      env: {},
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      ...(opts.launch?.execPath !== undefined ? { execPath: opts.launch.execPath } : {}),
      execArgv: [...(opts.launch?.prefixArgs ?? []), `--max-old-space-size=${opts.memoryMb}`, ...(opts.execArgv ?? [])],
      serialization: 'json'
    })
    this.#child.stdout?.setEncoding('utf8')
    this.#child.stderr?.setEncoding('utf8')
    this.#child.stdout?.on('data', (chunk: string) => { this.#output('stdout', chunk) })
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES)
      this.#output('stderr', chunk)
    })
    this.#child.on('message', (raw: unknown) => { this.#onMessage(raw) })
    this.#child.on('error', () => { /* 'close' follows and settles everything */ })
    this.#child.once('close', (code: number | null, signal: NodeJS.Signals | null) => { this.#onClose(code, signal) })
    this.#startTimer = setTimeout(() => { this.#violate('did not report ready in time') }, opts.startTimeoutMs ?? 10_000)
    this.#startTimer.unref()
  }

  get pid (): number | undefined { return this.#child.pid }

  /** Asked to stop, not yet gone. */
  get retiring (): boolean { return this.#retired && this.state !== 'dead' }

  /** Idle and not on its way out: the only state in which a host may be given an invocation. */
  get available (): boolean { return this.state === 'idle' && !this.#retired }

  /** Output a host should never produce; logged framed, never copied raw into the service's stdout. */
  #output (stream: string, chunk: string): void {
    this.#log.warn('sandbox host output', { hostPid: this.#child.pid, stream, text: boundText(chunk) })
  }

  run (req: InvocationRequest): Promise<InvocationOutcome> {
    if (!this.available) throw new Error(`host ${this.id} is ${this.#retired ? 'retiring' : this.state}`)
    const env = this.#envFor(req)
    if (env === undefined) {
      // A secret that does not open fails this invocation alone, before the host is given anything; the host stays
      // idle (and unbound if it was), and the supervisor hears so.
      queueMicrotask(() => { this.#hooks.idle(this) })
      return Promise.resolve({ outcome: 'error', message: 'Error: the function\'s secret variables could not be decrypted (SECRETS_KEY)', duration: 0, logs: [] })
    }
    this.state = 'busy'
    this.projectId ??= req.projectId
    this.invocations++
    this.lastUsed = Date.now()
    const message: InvokeMessage = {
      type: 'invoke',
      id: req.invocationId,
      sha256: req.sha256,
      filePath: req.filePath,
      event: req.event,
      context: {
        functionName: req.functionName,
        projectId: req.projectId,
        invocationId: req.invocationId,
        timestamp: new Date().toISOString(),
        timeoutMs: req.timeoutMs
      },
      envId: env.id,
      ...(env.json === undefined ? {} : { env: env.json }),
      ...(env.mask === undefined || env.mask.length === 0 ? {} : { mask: env.mask })
    }
    if (this.#scripts.touch(req.sha256) === undefined) {
      message.code = req.compiled
      this.#scripts.add(req.sha256, true)
    }
    return new Promise((resolve) => {
      const deadline = setTimeout(() => { this.#onDeadline() }, req.timeoutMs)
      deadline.unref()
      this.#running = { req, resolve, dispatchedAt: performance.now(), logs: [], logBytes: 0, answered: false, deadline }
      this.#child.send(message, (err) => { if (err !== null && err !== undefined) this.#violate('could not be sent its invocation') })
    })
  }

  /**
   * The id the child holds the invocation's variable set under; for a set it lacks, a new id with the set opened
   * now (the only time the front holds its secrets) and recorded as the child will record it, evicting the oldest
   * past capacity exactly as the child does. Undefined when a secret does not open.
   */
  #envFor (req: InvocationRequest): { id: number, json?: string, mask?: string[] } | undefined {
    const held = this.#envs.touch(req.envKey)
    if (held !== undefined) return { id: held }
    let opened: { json: string, mask: string[] }
    try {
      opened = req.openEnv()
    } catch (err) {
      this.#log.error('function variables could not be opened', { projectId: req.projectId, functionName: req.functionName, err: (err as Error).message })
      return undefined
    }
    const id = this.#nextEnvId++
    this.#envs.add(req.envKey, id)
    return { id, json: opened.json, mask: opened.mask }
  }

  #answer (outcome: InvocationOutcome): void {
    const running = this.#running
    if (running === undefined || running.answered) return
    running.answered = true
    running.resolve(outcome)
  }

  #elapsed (): number {
    return this.#running === undefined ? 0 : performance.now() - this.#running.dispatchedAt
  }

  #onDeadline (): void {
    const running = this.#running
    if (running === undefined) return
    // A synchronous loop never reads IPC, so only a signal stops it; SIGKILL cannot be caught or ignored.
    this.#timedOut = true
    this.#answer({ outcome: 'timeout', duration: running.req.timeoutMs, logs: running.logs })
    this.#child.kill('SIGKILL')
  }

  #onMessage (raw: unknown): void {
    const msg = parseChildMessage(raw)
    if (msg === null) {
      this.#violate('sent a malformed message')
      return
    }
    const handler = this.#handlers[msg.type] as (m: ChildMessage) => void
    handler(msg)
  }

  readonly #handlers: { [K in ChildMessage['type']]: (m: Extract<ChildMessage, { type: K }>) => void } = {
    ready: () => {
      if (this.state !== 'starting') return this.#violate('reported ready twice')
      clearTimeout(this.#startTimer)
      this.#everReady = true
      this.state = 'idle'
      this.#hooks.ready(this)
    },
    log: (m) => {
      const running = this.#current(m.id)
      if (running === undefined) return
      if (running.answered) return this.#violate('logged after its result')
      running.logBytes += m.line.length
      running.logs.push(m.line)
      if (running.logs.length > this.#opts.limits.maxLogLines + 1 || running.logBytes > this.#opts.limits.maxLogBytes + LOG_SLACK_BYTES) {
        this.#violate('exceeded the log limits')
      }
    },
    result: (m) => {
      const running = this.#current(m.id)
      if (running === undefined) return
      if (running.answered) {
        // The deadline answered first; the host is being killed. A second result is a violation only if not timed out.
        if (!this.#timedOut) this.#violate('sent a second result')
        return
      }
      const duration = Math.min(m.duration, this.#elapsed())
      if (m.ok) {
        if (Buffer.byteLength(m.result) > this.#opts.limits.maxResultBytes) return this.#violate('sent a result over the limit')
        try {
          JSON.parse(m.result)
        } catch {
          return this.#violate('sent a result that is not JSON')
        }
      }
      // The host sends its result once the invocation has drained: it is idle from here on.
      clearTimeout(running.deadline)
      // An error message is the function's text (whatever it threw): bounded here, the child is not trusted to.
      this.#answer(m.ok
        ? { outcome: 'success', result: m.result, duration, logs: running.logs }
        : { outcome: 'error', message: boundText(m.message), duration, logs: running.logs })
      this.#running = undefined
      this.state = 'idle'
      this.#hooks.idle(this)
    }
  }

  /** The running invocation if `id` names it; anything else is a violation (a forged or stale id). */
  #current (id: string): Running | undefined {
    const running = this.#running
    if (this.state !== 'busy' || running === undefined || running.req.invocationId !== id) {
      this.#violate('answered an invocation it is not running')
      return undefined
    }
    return running
  }

  #violate (what: string): void {
    if (this.#violation !== undefined || this.state === 'dead') return
    this.#violation = what
    this.#log.warn('sandbox host broke the protocol; killing it', { hostPid: this.#child.pid, violation: what })
    this.#answer({ outcome: 'crash', message: 'Sandbox host protocol violation', duration: this.#elapsed(), logs: this.#running?.logs ?? [] })
    this.#child.kill('SIGKILL')
  }

  /** Stops the host: `shutdown` over IPC, SIGKILL if it has not gone after a grace. Counted as a recycle. */
  retire (): void {
    if (this.state === 'dead' || this.#retired) return
    this.#retired = true
    try {
      this.#child.send({ type: 'shutdown' })
    } catch {}
    const kill = setTimeout(() => { this.#child.kill('SIGKILL') }, SHUTDOWN_GRACE_MS)
    kill.unref()
    this.#child.once('close', () => { clearTimeout(kill) })
  }

  /** Immediate stop. */
  kill (): void {
    this.#retired = true
    this.#child.kill('SIGKILL')
  }

  #onClose (code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.#startTimer)
    const wasBusy = this.state === 'busy'
    this.state = 'dead'
    const reason = exitReason(code, signal, { timedOut: this.#timedOut, retired: this.#retired && this.#violation === undefined, stderrTail: this.#stderr })
    const running = this.#running
    if (running !== undefined) {
      clearTimeout(running.deadline)
      const duration = this.#elapsed()
      if (reason === 'memory') this.#answer({ outcome: 'memory', duration, logs: running.logs })
      else if (this.#retired && this.#violation === undefined) this.#answer({ outcome: 'crash', message: 'Service shutting down', duration, logs: running.logs })
      else this.#answer({ outcome: 'crash', message: 'Sandbox host crashed', duration, logs: running.logs })
      this.#running = undefined
    }
    this.#markExited()
    this.#hooks.exit(this, reason, { everReady: this.#everReady, wasBusy, code, signal })
  }
}
