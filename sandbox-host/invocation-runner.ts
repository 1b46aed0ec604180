import { performance } from 'node:perf_hooks'
import { ENV_CACHE_SIZE, type ChildMessage, type HostLimits, type InvokeMessage } from './protocol.js'
import { EMIT_ERROR, EMIT_LOG, EMIT_RESULT, type Emit } from './realm-bootstrap.js'
import { createRealm, type Realm } from './realm.js'
import { ScriptCache } from './script-cache.js'

const TRUNCATED = '[WARN] Log output truncated'
export const NEVER_SETTLED = 'Function returned a promise that never settled'

interface Invocation {
  id: string
  /** The number the realm binds to this invocation's emits; never reused within a host. */
  seq: number
  started: number
  /** false once the result is sent: anything the function left running is no longer heard. */
  open: boolean
  lines: number
  bytes: number
  capturing: boolean
  /** Secret values of the invocation's variables, replaced by `***` in what it sends (longest first). */
  mask: readonly string[]
}

const MASK = '***'

/** `text` with every secret value in it replaced, as CI systems mask secrets in their logs. */
function masked (text: string, mask: readonly string[]): string {
  let out = text
  for (const secret of mask) if (out.includes(secret)) out = out.split(secret).join(MASK)
  return out
}

/**
 * Runs one invocation at a time in a locked-down realm that serves them one after another, each with a global
 * object of its own (realm-lockdown.ts). After each invocation has drained, the realm's global is put back; a realm
 * that cannot be is replaced. Log limits are enforced here, on the host side, where the user cannot tamper with the
 * counters.
 */
export class InvocationRunner {
  readonly #limits: HostLimits
  readonly #send: (message: ChildMessage) => void
  readonly #fatal: () => void
  readonly #scripts: ScriptCache
  #realm: Realm | undefined
  #current: Invocation | undefined
  #seq = 0
  #busy = false
  /** Variable sets as JSON text, with their secret values, by id, least recently used first: the supervisor mirrors it. */
  readonly #envs = new Map<number, { json: string, mask: readonly string[] }>()

  /**
   * `fatal` is called when no realm can be built (the realm's self-check failed, or memory ran out): the host
   * cannot run anything safely, so it should end and let the supervisor replace it.
   */
  constructor (limits: HostLimits, send: (message: ChildMessage) => void, fatal: () => void) {
    this.#limits = limits
    this.#send = send
    this.#fatal = fatal
    this.#realm = this.#createRealm()
    this.#scripts = new ScriptCache(this.#realm?.names ?? [])
  }

  #createRealm (): Realm | undefined {
    try {
      return createRealm(this.#emit)
    } catch {
      this.#fatal()
      return undefined
    }
  }

  /** Called from realm code: check types without coercing anything, and never call back into the realm. */
  readonly #emit: Emit = (kind, text, seq) => {
    if (typeof kind !== 'number' || typeof text !== 'string' || typeof seq !== 'number') return false
    const inv = this.#current
    if (inv === undefined || inv.seq !== seq || !inv.open) return false
    if (kind === EMIT_LOG) return this.#log(inv, text)
    if (kind === EMIT_RESULT) this.#result(inv, text)
    else if (kind === EMIT_ERROR) this.#finish(inv, { ok: false, message: text })
    return false
  }

  #log (inv: Invocation, text: string): boolean {
    if (!inv.capturing) return false
    const line = inv.mask.length === 0 ? text : masked(text, inv.mask)
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

  #finish (inv: Invocation, result: { ok: true, result: string } | { ok: false, message: string }): void {
    if (!inv.open) return
    inv.open = false
    // An error's text may quote a secret (`throw new Error(process.env.KEY)`); a result is the function's to return.
    const outcome = result.ok || inv.mask.length === 0 ? result : { ok: false as const, message: masked(result.message, inv.mask) }
    const duration = performance.now() - inv.started
    // Answered only after what the invocation left queued has run (the sandbox has no timers, so one turn drains
    // it): from then on none of its code can run again, and the realm's global is put back for the next one.
    setImmediate(() => {
      if (this.#current === inv) this.#current = undefined
      if (this.#realm !== undefined && !this.#realm.restore()) this.#realm = this.#createRealm()
      this.#busy = false
      this.#send(outcome.ok
        ? { type: 'result', id: inv.id, ok: true, result: outcome.result, duration }
        : { type: 'result', id: inv.id, ok: false, message: outcome.message, duration })
    })
  }

  /** The variables under `id`, stored when `json` comes with them (evicting the oldest past capacity), else touched. */
  #env (id: number, json: string | undefined, mask: readonly string[] | undefined): { json: string, mask: readonly string[] } | undefined {
    if (json !== undefined) {
      const entry = { json, mask: [...(mask ?? [])].sort((a, b) => b.length - a.length) }
      this.#envs.delete(id)
      this.#envs.set(id, entry)
      if (this.#envs.size > ENV_CACHE_SIZE) this.#envs.delete(this.#envs.keys().next().value as number)
      return entry
    }
    const held = this.#envs.get(id)
    if (held !== undefined) {
      this.#envs.delete(id)
      this.#envs.set(id, held)
    }
    return held
  }

  invoke (msg: InvokeMessage): void {
    if (this.#busy) return
    this.#busy = true
    const inv: Invocation = { id: msg.id, seq: ++this.#seq, started: performance.now(), open: true, lines: 0, bytes: 0, capturing: true, mask: [] }
    this.#current = inv
    const realm = this.#realm ?? this.#createRealm()
    this.#realm = realm
    if (realm === undefined) return
    const env = this.#env(msg.envId, msg.env, msg.mask)
    if (env === undefined) {
      this.#finish(inv, { ok: false, message: 'Error: Sandbox host does not hold the variables' })
      return
    }
    // Longest first, so a secret that contains another is masked whole.
    inv.mask = env.mask
    const cached = this.#scripts.get(msg.sha256, msg.code, msg.filePath)
    if (cached === undefined) {
      this.#finish(inv, { ok: false, message: 'Error: Sandbox host does not hold the compiled code' })
      return
    }
    if ('error' in cached) {
      this.#finish(inv, { ok: false, message: cached.error })
      return
    }
    try {
      const outer = this.#scripts.outerIn(cached, realm.context)
      // The duration is the function's own time: compiling a script new to this host is not part of it.
      inv.started = performance.now()
      realm.run(outer, msg.event, JSON.stringify(msg.context), inv.seq, msg.envId, env.json)
    } catch {
      // realm.run catches everything user code throws; reaching here means the realm itself failed: replace it.
      this.#realm = undefined
      this.#finish(inv, { ok: false, message: 'Error: Function could not be started' })
      return
    }
    // Microtasks of the realm run before this: a handler still pending now has nothing left that could settle it.
    setImmediate(() => { this.#finish(inv, { ok: false, message: NEVER_SETTLED }) })
  }
}
