import util from 'node:util'
import vm from 'node:vm'
import t from 'tap'
import { compileSource } from '../../core/compile/compile-source.js'
import { CORPUS } from './corpus.js'

/**
 * Shows that the corpus is live: the same functions, run the way a naive vm-based runner runs them (the host's
 * console, event and context handed into the context), reach the host's `process`. The payload runs dry here.
 */
function naiveRun (compiled: string, event: object): Promise<unknown> {
  // Naive runners capture logs with util.format, as the seed's did.
  const factory = vm.runInNewContext(compiled, { console: { log: (...args: unknown[]) => { util.format(...args) } } }) as (e: object, m: object) => void
  const module: { exports: any } = { exports: {} }
  factory(module.exports, module)
  const handler = module.exports.handler ?? module.exports.default ?? module.exports
  const context = { functionName: 'f', projectId: 'p', invocationId: 'i', timestamp: new Date().toISOString(), getRemainingTimeInMillis: () => 1000 }
  return Promise.resolve(handler(JSON.parse(JSON.stringify(event)), context))
}

for (const c of CORPUS.filter((x) => x.liveInBareVm === true)) {
  t.test(`${c.name} escapes a bare vm context`, async t => {
    const compiled = compileSource(c.source, 'api/f.js')
    t.ok(compiled.ok)
    if (!compiled.ok) return
    const result = await naiveRun(compiled.compiled, { case: c.name, dry: true })
    t.match(JSON.stringify(result), /"escaped":true/, 'the host process was reached')
  })
}
