import util from 'node:util'
import vm from 'node:vm'
import t from 'tap'
import { createRealmFormatter } from '../../sandbox-host/realm-format.js'

// The values are made inside a realm, as user code makes them, and formatted there; Node's util.format is the oracle.
// A null-prototype contextified object, as sandbox-host/realm.ts makes them.
const context = vm.createContext(Object.create(null) as object, { codeGeneration: { strings: false, wasm: false } })
const format = vm.runInContext(`(${createRealmFormatter.toString()})()`, context) as (args: unknown[]) => string
const cases = vm.runInContext(`[
  [{ a: 1, b: 'x' }], [[1, 2, 3]], [{ a: { b: { c: { d: 1 } } } }], [new Map([['a', 1]])], [new Set([1])],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
  [{ longkeyname1: 'aaaaaaaaaaaaaaaaaaaa', longkeyname2: 'bbbbbbbbbbbbbbbbbbbbbbb', longkeyname3: 'cccccccccccccccccccccc', k4: 'dddddddddddddddddddd' }],
  [Object.create(null)], ['%s and %d', 'x', 5], [function foo () {}], [class A {}], [Symbol('s')], [10n], [-0],
  [[undefined, null]], [{ 'a-b': 1 }], [new Date(0)], [/x/g], [{ get a () { return 1 } }], ['a', 'b', 1],
  [new (class Foo { constructor () { this.x = 1 } })()], [new Uint8Array([1, 2])], [[, 1]], [{ s: "it's" }],
  [Array.from({ length: 30 }, (_, i) => 'item' + i)], ['%j', { a: 1 }], ['%s', { a: 1 }], ['%i %f', '42.5', '1.5'],
  ['100%%', 1], [(() => { const a = { x: 1 }; a.self = a; return a })()], [async function af () {}], [() => 1],
  ['%s', null], [undefined], [{ a: [1, { b: 2 }], c: 'str', d: null, e: undefined }], [[[1, [2, [3, [4]]]]]],
  [{ f () {} }], [Array.from({ length: 120 }, (_, i) => i)], [{ [Symbol('k')]: 1 }], ['%c styled', 'color: red'],
  [new Map([[{ a: 1 }, [1, 2]]])], ['%d', '12abc'], [{ a: 'multi\\nline' }], [[1.5, -2, 3e21]],
  [Object.assign(Object.create(null), { x: 1 })], ['no args'], [], ['%s %s', 'only one'], [{ nested: new Map([[1, new Set([2])]]) }]
]`, context) as unknown[][]

t.test('the in-realm formatter matches util.format', async t => {
  for (const args of cases) t.equal(format(args), util.format(...args), util.format(...args).slice(0, 60))
})

t.test('getters are not run and inspect.custom is not honoured', async t => {
  const probe = vm.runInContext(`({ ran: false, get trap () { this.ran = true; return 1 }, [Symbol.for('nodejs.util.inspect.custom')] () { this.ran = true; return 'custom' } })`, context) as { ran: boolean }
  const out = format([probe])
  t.notOk(probe.ran)
  t.match(out, /trap: \[Getter\]/)
  t.notMatch(out, /custom'?$/)
})
