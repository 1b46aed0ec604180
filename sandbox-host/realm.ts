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
 */
export function createRealm (emit: Emit): Realm {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } })
  const install = bootstrapScript.runInContext(context) as (emit: Emit) => RealmRun
  return { context, run: install(emit) }
}
