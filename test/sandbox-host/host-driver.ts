import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildMessage, HostLimits, InvocationContextData, ResultErrorMessage, ResultOkMessage } from '../../sandbox-host/protocol.js'
import '../helpers/clean-spawn.js'

/** The compiled child, as the supervisor forks it. */
export const HOST_SCRIPT = fileURLToPath(new URL('../../sandbox-host/main.js', import.meta.url))

/** How long any single answer may take before a test calls the host hung: a generous "did not hang" bound. */
const ANSWER_TIMEOUT_MS = 15000

/** The compiled form the deploy-time compiler produces, written by hand: a script evaluating to the module factory. */
export function wrap (body: string): string {
  return `(function (exports, module) {${body}\n})`
}

export type Result = ResultOkMessage | ResultErrorMessage

export interface Run {
  result: Result
  logs: string[]
}

export interface InvokeOptions {
  event?: unknown
  /** Key of the compiled code in the host's cache; a fresh one per call unless given. */
  sha256?: string
  /** false: send no code (the parent believes the host holds it). */
  sendCode?: boolean
  timeoutMs?: number
  /** The invocation's variables (process.env and context.env). */
  env?: Record<string, string>
}

interface Teardown { teardown: (fn: () => void) => void }

/**
 * A real sandbox host spoken to over IPC. It is started with only the heap flag, none of the service's layer-2
 * flags (permission model, --disallow-code-generation-from-strings): these tests hold the realm to its rules alone.
 */
export class HostDriver {
  readonly child: ChildProcess
  /** Everything the host wrote to stdout or stderr (it should write nothing). */
  output = ''
  readonly #messages: ChildMessage[] = []
  readonly #waiters: Array<() => void> = []
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  readonly #ready: Promise<ChildMessage>
  #n = 0

  constructor (t: Teardown, limits: Partial<HostLimits> = {}) {
    const full: HostLimits = { maxLogLines: 50, maxLogBytes: 8192, maxResultBytes: 65536, ...limits }
    this.child = fork(HOST_SCRIPT, [JSON.stringify(full)], {
      env: {}, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=64']
    })
    this.child.stdout?.on('data', (d: Buffer) => { this.output += d.toString() })
    this.child.stderr?.on('data', (d: Buffer) => { this.output += d.toString() })
    this.exited = new Promise((resolve) => { this.child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
    this.child.on('message', (m: ChildMessage) => {
      this.#messages.push(m)
      for (const wake of this.#waiters.splice(0)) wake()
    })
    t.teardown(() => { this.child.kill('SIGKILL') })
    this.#ready = this.next((m) => m.type === 'ready')
    this.#ready.catch(() => {})
  }

  /** Removes and returns the first message matching `pred`, waiting for it if need be. */
  async next (pred: (m: ChildMessage) => boolean, timeoutMs = ANSWER_TIMEOUT_MS): Promise<ChildMessage> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const i = this.#messages.findIndex(pred)
      if (i >= 0) return this.#messages.splice(i, 1)[0] as ChildMessage
      const left = until - Date.now()
      if (left <= 0) throw new Error(`no matching message from the host; pending: ${JSON.stringify(this.#messages).slice(0, 500)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Log lines received so far for `id`, removed from the mailbox. */
  takeLogs (id: string): string[] {
    const lines: string[] = []
    for (let i = 0; i < this.#messages.length;) {
      const m = this.#messages[i] as ChildMessage
      if (m.type === 'log' && m.id === id) {
        lines.push(m.line)
        this.#messages.splice(i, 1)
      } else {
        i++
      }
    }
    return lines
  }

  /** The host's one `ready` handshake. */
  async ready (): Promise<ChildMessage> {
    return await this.#ready
  }

  send (message: unknown): void {
    this.child.send(message as object)
  }

  /** Sends one invocation of `code` and returns without waiting; the id is returned. */
  start (code: string, opts: InvokeOptions = {}): string {
    const id = `inv-${++this.#n}`
    const context: InvocationContextData = {
      functionName: 'fn', projectId: 'proj', invocationId: id, timestamp: new Date().toISOString(), timeoutMs: opts.timeoutMs ?? 30000
    }
    this.send({
      type: 'invoke',
      id,
      sha256: opts.sha256 ?? `sha-${id}`,
      ...(opts.sendCode === false ? {} : { code }),
      filePath: 'api/fn.js',
      event: JSON.stringify(opts.event ?? {}),
      context,
      // A new id per invocation, the variables always sent (the supervisor's cache of them is tested through it).
      envId: this.#n,
      env: JSON.stringify(opts.env ?? {})
    })
    return id
  }

  /** One whole invocation: its result (sent once it has drained) and the logs it produced (in order). */
  async invoke (code: string, opts: InvokeOptions = {}): Promise<Run> {
    await this.ready()
    const id = this.start(code, opts)
    const result = await this.next((m) => m.type === 'result' && m.id === id) as Result
    return { result, logs: this.takeLogs(id) }
  }

  /** The result of an invocation whose handler returns a JSON value: that value, parsed. */
  async value (code: string, opts: InvokeOptions = {}): Promise<unknown> {
    const { result } = await this.invoke(code, opts)
    if (!result.ok) throw new Error(`invocation failed: ${result.message}`)
    return JSON.parse(result.result)
  }
}
