import vm from 'node:vm'
import { realmBootstrap, type Emit, type RealmRun } from './realm-bootstrap.js'
import { createRealmFormatter } from './realm-format.js'

/** Compiled once per process; run once in every fresh context. */
const bootstrapScript = new vm.Script(`(${realmBootstrap.toString()})(${createRealmFormatter.toString()})`, {
  filename: 'sandbox:bootstrap'
})

export interface Realm {
  context: vm.Context
  run: RealmRun
}

/**
 * A fresh context with code generation from strings and WebAssembly compilation off, bootstrapped and ready for
 * one invocation. `emit` is the only host value it ever receives.
 *
 * The contextified object MUST have a null prototype. Node resolves a global name by looking at that host object
 * first, prototype chain included, so with `{}` (or `undefined`, which Node turns into `{}`) the realm's
 * `globalThis.constructor`, `toString`, `__proto__`... are the HOST's Object.prototype members: the host Function
 * constructor for the classic escape, and a host Object.prototype that survives every realm, a channel from one
 * invocation (and tenant) to the next. With no prototype, those names fall through to the realm's own intrinsics.
 */
export function createRealm (emit: Emit): Realm {
  const context = vm.createContext(Object.create(null) as object, { codeGeneration: { strings: false, wasm: false } })
  const install = bootstrapScript.runInContext(context) as (emit: Emit) => RealmRun
  return { context, run: install(emit) }
}
