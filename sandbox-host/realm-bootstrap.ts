/**
 * The code that runs INSIDE a sandbox realm before any user code. It captures the intrinsics it needs while they
 * are still pristine, locks the realm down (realm-lockdown.ts: frozen intrinsics, so one realm can serve a host's
 * invocations one after another), then builds, for each invocation, a global object, `console` and `context` of its
 * own out of realm objects only. The one host object it ever holds is `emit`, a strict host function that takes
 * (number, string, number) and returns a boolean; it is kept in this closure and never exposed, and every call to it
 * is guarded so that a host error (for instance a stack overflow raised inside it) is replaced by a realm value
 * before user code can see it.
 *
 * Like realm-format.ts, these functions must stay self-contained: their source text is evaluated in the realm.
 */

import type { RealmLockdown } from './realm-lockdown.js'

/** emit kinds, shared with the host side (invocation-runner.ts). */
export const EMIT_LOG = 1
export const EMIT_RESULT = 2
export const EMIT_ERROR = 3

/** `seq` is the invocation's number, bound in the realm when it starts: what it emits can only be about itself. */
export type Emit = (kind: number, text: string, seq: number) => boolean
/**
 * Runs one invocation: `outer` is the compiled script's value in this realm (script-cache.ts), a function that takes
 * the invocation's global object and returns the function that takes the global bindings as parameters.
 */
export type RealmRun = (outer: unknown, eventJson: string, contextJson: string, seq: number, envId: number, envJson: string) => void

export interface RealmApi {
  run: RealmRun
  /** After an invocation has drained: false when the realm's global could not be put back (replace the realm). */
  restore: () => boolean
  /** The parameter names the compiled wrapper must declare, in the order `run` passes their values. */
  names: string[]
}

export function realmBootstrap (
  createFormatter: (overridden: (getter: unknown) => unknown) => (args: unknown[]) => string,
  lockdownRealm: () => RealmLockdown
): (emit: Emit) => RealmApi {
  'use strict'
  const g = globalThis as unknown as Record<string, unknown>
  const apply = Reflect.apply
  const defineProperty = Object.defineProperty
  const freeze = Object.freeze
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor
  const getPrototypeOf = Object.getPrototypeOf
  const parse = JSON.parse
  const stringify = JSON.stringify
  const dateNow = Date.now
  const mathMax = Math.max
  const StringCtor = String
  const RealmPromise = Promise
  const promiseThen = Promise.prototype.then
  const ErrorProto = Error.prototype
  const create = Object.create
  const arraySlice = Array.prototype.slice
  const RealmMap = Map
  const mapGet = Map.prototype.get
  const mapSet = Map.prototype.set
  const mapDelete = Map.prototype.delete
  const mapKeys = Map.prototype.keys
  const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')?.get as () => number
  const iteratorNext = getPrototypeOf(new Map().keys()).next as () => { value: unknown }
  // The emit kinds again, as literals: this body may not refer to the module's constants (see above).
  const LOG = 1
  const RESULT = 2
  const ERROR = 3

  // Fail closed if the global reaches into the host: names missing from the realm's global must resolve to the
  // realm's own intrinsics, never to the contextified host object's prototype (see realm.ts). (The global's
  // `constructor` is the realm function of V8's global template, not Object: what matters is whose Function it is.)
  if (getPrototypeOf(g.constructor) !== Function.prototype || g.hasOwnProperty !== Object.prototype.hasOwnProperty) {
    throw new TypeError('sandbox realm: the global object resolves names on a host prototype')
  }

  // ---- stack traces: only frames of the function's own files, never host paths -------------------------------
  let getFileName: ((this: unknown) => unknown) | undefined
  let callSiteToString: ((this: unknown) => unknown) | undefined
  const isUserFile = (file: unknown): boolean => typeof file === 'string' && file !== '' && file[0] !== '/' &&
    file.slice(0, 5) !== 'file:' && file.slice(0, 5) !== 'node:' && file.slice(0, 8) !== 'sandbox:'
  function prepareStackTrace (err: unknown, frames: unknown): string {
    let header = 'Error'
    try {
      const name = (err as { name?: unknown }).name
      const message = (err as { message?: unknown }).message
      const n = name === undefined ? 'Error' : StringCtor(name)
      const m = message === undefined ? '' : StringCtor(message)
      header = m === '' ? n : n === '' ? m : `${n}: ${m}`
    } catch {}
    let out = header
    // Index loop over own elements only: no iterator or prototype method a user could have replaced.
    const count = typeof (frames as { length?: unknown }).length === 'number' ? (frames as { length: number }).length : 0
    for (let i = 0; i < count && i < 64; i++) {
      const frame = (frames as Record<number, unknown>)[i]
      try {
        if (getFileName === undefined || callSiteToString === undefined) {
          const proto = getPrototypeOf(frame) as object
          getFileName = getOwnPropertyDescriptor(proto, 'getFileName')?.value as typeof getFileName
          callSiteToString = getOwnPropertyDescriptor(proto, 'toString')?.value as typeof callSiteToString
        }
        if (getFileName === undefined || callSiteToString === undefined) break
        if (!isUserFile(apply(getFileName, frame, []))) continue
        const line = apply(callSiteToString, frame, [])
        if (typeof line === 'string') out += '\n    at ' + line
      } catch {}
    }
    return out
  }
  defineProperty(Error, 'prepareStackTrace', { value: prepareStackTrace, writable: false, configurable: false, enumerable: false })
  // Capture the CallSite methods now, while nothing of the user's has run.
  void new Error('bootstrap').stack

  // V8 gives every context its own inspector-only console; it is replaced per invocation by the capturing one.
  delete g.console
  // Callbacks that run after the handler has answered, on the garbage collector's or a waiter's schedule, are how
  // code outlives its invocation: without timers in the sandbox these two are the remaining ways, so they go.
  delete g.FinalizationRegistry
  delete (Atomics as unknown as Record<string, unknown>).waitAsync
  // The asynchronous WebAssembly compilers are a third: with wasm code generation off they still reject only on a
  // later task of the host, after the invocation has been answered (and a handler awaiting them looks like one that
  // never settles). They are replaced by functions that refuse at once, as the synchronous WebAssembly.Module does.
  const wasm = g.WebAssembly as Record<string, unknown> | undefined
  if (typeof wasm === 'object' && wasm !== null && typeof wasm.CompileError === 'function') {
    const CompileError = wasm.CompileError as ErrorConstructor
    const promiseReject = Promise.reject
    const refusals: Record<string, () => Promise<never>> = {
      compile () { return apply(promiseReject, RealmPromise, [new CompileError('WebAssembly.compile(): Wasm code generation disallowed by embedder')]) as Promise<never> },
      instantiate () { return apply(promiseReject, RealmPromise, [new CompileError('WebAssembly.instantiate(): Wasm code generation disallowed by embedder')]) as Promise<never> },
      compileStreaming () { return apply(promiseReject, RealmPromise, [new CompileError('WebAssembly.compileStreaming(): Wasm code generation disallowed by embedder')]) as Promise<never> },
      instantiateStreaming () { return apply(promiseReject, RealmPromise, [new CompileError('WebAssembly.instantiateStreaming(): Wasm code generation disallowed by embedder')]) as Promise<never> }
    }
    const names = ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string
      if (getOwnPropertyDescriptor(wasm, name) !== undefined) {
        defineProperty(wasm, name, { value: refusals[name], writable: true, configurable: true, enumerable: false })
      }
    }
  }

  // Last: everything above is part of what gets frozen. The formatter is built after, through the override
  // accessors, so that it can still name the class of a built-in.
  const lockdown = lockdownRealm()
  const format = createFormatter(lockdown.overridden)
  const sharedGlobal = lockdown.sharedGlobal
  const parameterValues = lockdown.values

  return function install (emit: Emit): RealmApi {
    /** A console whose lines are this invocation's and no other's. */
    function createConsole (send: (kind: number, text: string) => boolean | undefined): unknown {
      let capturing = true
      function logger (prefix: string) {
        return function (...args: unknown[]): void {
          if (!capturing) return
          let line: string
          try {
            line = format(args)
          } catch {
            line = '<unprintable value>'
          }
          // Only the host's own `false` (limit reached, invocation over) ends capture: a line lost to a failed emit
          // at the stack limit is just that line, and logging resumes once the stack has unwound.
          capturing = send(LOG, prefix + line) !== false
        }
      }
      return freeze({
        log: logger('[LOG] '),
        info: logger('[INFO] '),
        warn: logger('[WARN] '),
        error: logger('[ERROR] '),
        debug: logger('[DEBUG] '),
        trace: logger('[LOG] ')
      })
    }

    function describe (thrown: unknown): string {
      try {
        if (typeof thrown === 'object' && thrown !== null) {
          let p: unknown = thrown
          let isError = false
          for (let i = 0; i < 100 && p !== null; i++) {
            p = getPrototypeOf(p)
            if (p === ErrorProto) { isError = true; break }
          }
          if (isError) {
            const name = (thrown as { name?: unknown }).name
            const message = (thrown as { message?: unknown }).message
            const n = name === undefined ? 'Error' : StringCtor(name)
            const m = message === undefined ? '' : StringCtor(message)
            return m === '' ? n : `${n}: ${m}`
          }
        }
        return StringCtor(thrown)
      } catch {
        return 'Unknown error'
      }
    }

    function resolveHandler (exported: unknown): unknown {
      if (typeof exported === 'function') return exported
      if (typeof exported !== 'object' || exported === null) return undefined
      const e = exported as Record<string, unknown>
      if (typeof e.handler === 'function') return e.handler
      if (typeof e.default === 'function') return e.default
      const d = e.default as Record<string, unknown> | undefined
      if (typeof d === 'object' && d !== null && typeof d.handler === 'function') return d.handler
      return undefined
    }

    // The frozen env and process stand-in of each variable set, by the runner's id, so that an invocation of a
    // function seen before parses nothing. Frozen, holding strings only: sharing them between invocations shares no
    // state. Bounded like the runner's cache; the text is compared so a reused id never serves stale variables.
    const ENV_OBJECTS_MAX = 64
    const envObjects = new RealmMap<number, { json: string, env: unknown, process: unknown }>()
    function envObjectsFor (id: number, json: string): { env: unknown, process: unknown } {
      const held = apply(mapGet, envObjects, [id]) as { json: string, env: unknown, process: unknown } | undefined
      if (held !== undefined && held.json === json) return held
      const env = freeze(parse(json))
      const entry = { json, env, process: freeze({ env }) }
      apply(mapDelete, envObjects, [id])
      apply(mapSet, envObjects, [id, entry])
      if (apply(mapSize, envObjects, []) > ENV_OBJECTS_MAX) apply(mapDelete, envObjects, [apply(iteratorNext, apply(mapKeys, envObjects, []), []).value])
      return entry
    }

    function run (outer: unknown, eventJson: string, contextJson: string, seq: number, envId: number, envJson: string): void {
      // A host error thrown inside emit (stack overflow at the limit) must never reach user code: it is dropped here,
      // unbound, and the call reports `undefined` ("not delivered") instead of the host's true/false answer.
      const send = (kind: number, text: string): boolean | undefined => {
        try {
          return emit(kind, text, seq) === true
        } catch {
          return undefined
        }
      }
      let settled = false
      const fail = (thrown: unknown): void => {
        if (settled) return
        settled = true
        send(ERROR, describe(thrown))
      }
      const succeed = (value: unknown): void => {
        if (settled) return
        let json: unknown
        try {
          json = stringify(value)
        } catch (err) {
          fail(err)
          return
        }
        settled = true
        send(RESULT, typeof json === 'string' ? json : 'null')
      }
      try {
        const data = parse(contextJson) as { functionName: string, projectId: string, invocationId: string, timestamp: string, timeoutMs: number }
        const deadline = dateNow() + data.timeoutMs
        // The invocation's variables, parsed by the realm's own JSON (realm objects only) and frozen: `process` is a
        // stand-in holding `env` and nothing else of Node's process, so Lambda/Vercel code reading process.env runs.
        const { env, process: processStandIn } = envObjectsFor(envId, envJson)
        const context = freeze({
          env,
          functionName: data.functionName,
          projectId: data.projectId,
          invocationId: data.invocationId,
          timestamp: data.timestamp,
          getRemainingTimeInMillis: function getRemainingTimeInMillis (): number { return mathMax(0, deadline - dateNow()) }
        })
        // The invocation's own global object: every global binding, as writable as usual, and nothing of any other
        // invocation. Global names in the function's code resolve to it (`with`) or to the same values passed
        // as parameters (fast, static lookups), see script-cache.ts.
        const console = createConsole(send)
        const scope = create(sharedGlobal) as Record<string, unknown>
        defineProperty(scope, 'globalThis', { value: scope, writable: true, configurable: true, enumerable: false })
        defineProperty(scope, 'console', { value: console, writable: true, configurable: true, enumerable: false })
        defineProperty(scope, 'process', { value: processStandIn, writable: true, configurable: true, enumerable: false })
        const parameters = apply(arraySlice, parameterValues, []) as unknown[]
        parameters[0] = scope
        parameters[1] = console
        const withScope = apply(outer as (scope: unknown) => unknown, undefined, [scope])
        const factory = apply(withScope as (...args: unknown[]) => unknown, undefined, parameters)
        const module = { exports: {} as unknown }
        apply(factory as (...args: unknown[]) => unknown, undefined, [module.exports, module])
        const handler = resolveHandler(module.exports)
        if (handler === undefined) throw new Error('Function code defines no handler')
        const returned = apply(handler as (...args: unknown[]) => unknown, undefined, [parse(eventJson), context])
        // Settle through the realm's own Promise and the `then` captured before user code ran.
        const promise = new RealmPromise((resolve) => { resolve(returned) })
        apply(promiseThen, promise, [succeed, fail])
      } catch (err) {
        fail(err)
      }
    }

    return { run, restore: lockdown.restore, names: lockdown.names }
  }
}
