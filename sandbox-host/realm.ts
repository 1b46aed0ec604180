import vm from 'node:vm'
import { realmBootstrap, type Emit, type RealmRun } from './realm-bootstrap.js'
import { createRealmFormatter } from './realm-format.js'
import { lockdownRealm } from './realm-lockdown.js'

/** Compiled once per process; run once in every realm. */
const bootstrapScript = new vm.Script(`(${realmBootstrap.toString()})(${createRealmFormatter.toString()}, ${lockdownRealm.toString()})`, {
  filename: 'sandbox:bootstrap'
})

export interface Realm {
  context: vm.Context
  run: RealmRun
  /** After each invocation has drained; false means the realm must not be used again. */
  restore: () => boolean
  /** The global bindings the compiled wrapper declares as parameters (script-cache.ts). */
  names: readonly string[]
}

/**
 * A context with code generation from strings and WebAssembly compilation off, bootstrapped and locked down
 * (realm-lockdown.ts), ready to serve invocations one after another. `emit` is the only host value it receives.
 *
 * The contextified object MUST have a null prototype. Node resolves a global name by looking at that host object
 * first, prototype chain included, so with `{}` (or `undefined`, which Node turns into `{}`) the realm's
 * `globalThis.constructor`, `toString`, `__proto__`... are the HOST's Object.prototype members: the host Function
 * constructor for the classic escape, and a host Object.prototype that survives every realm, a channel from one
 * invocation (and tenant) to the next. With no prototype, those names fall through to the realm's own intrinsics.
 */
export function createRealm (emit: Emit): Realm {
  const sandbox = Object.create(null) as object
  const context = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } })
  const install = bootstrapScript.runInContext(context) as (emit: Emit) => { run: RealmRun, restore: () => boolean, names: unknown }
  const api = install(emit)
  // Node mirrors the global's bindings on the contextified object; frozen, nothing more can be stored there.
  Object.freeze(sandbox)
  // Read once, before any user code has run in the realm, and copied into a host array of checked strings.
  const names = Array.from(api.names as ArrayLike<unknown>, (name) => {
    if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) throw new TypeError('sandbox realm: a global name is not an identifier')
    return name
  })
  return { context, run: api.run, restore: api.restore, names }
}
