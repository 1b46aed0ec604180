import { performance } from 'node:perf_hooks'
import type { ChildMessage, HostLimits, InvokeMessage } from './protocol.js'
import { EMIT_ERROR, EMIT_LOG, EMIT_RESULT, type Emit } from './realm-bootstrap.js'
import { createRealm, type Realm } from './realm.js'
import { ScriptCache } from './script-cache.js'

const TRUNCATED = '[WARN] Log output truncated'
export const NEVER_SETTLED = 'Function returned a promise that never settled'

interface Invocation {
  id: string
  started: number
  /** false once the result is sent: anything the function left running is no longer heard. */
  open: boolean
  lines: number
  bytes: number
  capturing: boolean
}

interface Prepared {
  realm: Realm
  /** The invocation this realm's emit answers to; set when the realm is used, never reused after. */
  slot: { invocation: Invocation | undefined }
}

/**
 * Runs one invocation at a time, each in a realm of its own. A realm is prepared ahead, in idle time, so an
 * invocation only runs the cached script and the handler. Log limits are enforced here, on the host side, where
 * the user cannot tamper with the counters.
 */
export class InvocationRunner {
  readonly #scripts = new ScriptCache()
  readonly #limits: HostLimits
  readonly #send: (message: ChildMessage) => void
  readonly #fatal: () => void
  #next: Prepared | undefined
  #busy = false

  /**
   * `fatal` is called when no realm can be built (the realm's self-check failed, or memory ran out): the host
   * cannot run anything safely, so it should end and let the supervisor replace it.
   */
  constructor (limits: HostLimits, send: (message: ChildMessage) => void, fatal: () => void) {
    this.#limits = limits
    this.#send = send
    this.#fatal = fatal
    this.#prepareNext()
  }

  #prepareNext (): void {
    try {
      this.#next = this.#prepare()
    } catch {
      this.#next = undefined
      this.#fatal()
    }
  }

  #prepare (): Prepared {
    const slot: Prepared['slot'] = { invocation: undefined }
    const emit: Emit = (kind, text) => {
      // Called from realm code: check types without coercing anything, and never call back into the realm.
      if (typeof kind !== 'number' || typeof text !== 'string') return false
      const inv = slot.invocation
      if (inv === undefined || !inv.open) return false
      if (kind === EMIT_LOG) return this.#log(inv, text)
      if (kind === EMIT_RESULT) this.#result(inv, text)
      else if (kind === EMIT_ERROR) this.#finish(inv, { ok: false, message: text })
      return false
    }
    return { realm: createRealm(emit), slot }
  }

  #log (inv: Invocation, line: string): boolean {
    if (!inv.capturing) return false
    const bytes = Buffer.byteLength(line)
    // State changes only after the send: a send that throws (stack overflow at the limit) leaves nothing half-done,
    // so the truncation line cannot be lost that way.
    if (inv.lines + 1 > this.#limits.maxLogLines || inv.bytes + bytes > this.#limits.maxLogBytes) {
      this.#send({ type: 'log', id: inv.id, line: TRUNCATED })
      inv.capturing = false
      return false
    }
    this.#send({ type: 'log', id: inv.id, line })
    inv.lines++
    inv.bytes += bytes
    return true
  }

  #result (inv: Invocation, json: string): void {
    if (json.length > this.#limits.maxResultBytes || Buffer.byteLength(json) > this.#limits.maxResultBytes) {
      this.#finish(inv, { ok: false, message: `RangeError: Function result exceeds ${this.#limits.maxResultBytes} bytes` })
    } else {
      this.#finish(inv, { ok: true, result: json })
    }
  }

  #finish (inv: Invocation, outcome: { ok: true, result: string } | { ok: false, message: string }): void {
    if (!inv.open) return
    inv.open = false
    const duration = performance.now() - inv.started
    this.#send(outcome.ok
      ? { type: 'result', id: inv.id, ok: true, result: outcome.result, duration }
      : { type: 'result', id: inv.id, ok: false, message: outcome.message, duration })
    // Idle only after what the invocation left queued has run (the sandbox has no timers, so one turn drains it).
    // The next realm is prepared right after, while the parent is still routing the next invocation here.
    setImmediate(() => {
      this.#busy = false
      this.#send({ type: 'idle', id: inv.id })
      this.#prepareNext()
    })
  }

  invoke (msg: InvokeMessage): void {
    if (this.#busy) return
    this.#busy = true
    if (this.#next === undefined) this.#prepareNext()
    const prepared = this.#next
    this.#next = undefined
    if (prepared === undefined) return
    const inv: Invocation = { id: msg.id, started: performance.now(), open: true, lines: 0, bytes: 0, capturing: true }
    prepared.slot.invocation = inv
    const cached = this.#scripts.get(msg.sha256, msg.code, msg.filePath)
    if (cached === undefined) {
      this.#finish(inv, { ok: false, message: 'Error: Sandbox host does not hold the compiled code' })
      return
    }
    if ('error' in cached) {
      this.#finish(inv, { ok: false, message: cached.error })
      return
    }
    // The duration is the function's own time: compiling a script new to this host is not part of it.
    inv.started = performance.now()
    try {
      // Evaluating the compiled form only creates the wrapper function; user code runs inside realm.run.
      const factory: unknown = cached.script.runInContext(prepared.realm.context)
      prepared.realm.run(factory, msg.event, JSON.stringify(msg.context))
    } catch {
      // realm.run catches everything user code throws; reaching here means the realm itself failed.
      this.#finish(inv, { ok: false, message: 'Error: Function could not be started' })
      return
    }
    // Microtasks of the realm run before this: a handler still pending now has nothing left that could settle it.
    setImmediate(() => { this.#finish(inv, { ok: false, message: NEVER_SETTLED }) })
  }
}
