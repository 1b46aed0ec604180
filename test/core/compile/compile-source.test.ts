import { createHash } from 'node:crypto'
import vm from 'node:vm'
import t, { type Test } from 'tap'
import { compileSource, WRAPPER_HEAD, WRAPPER_TAIL } from '../../../core/compile/compile-source.js'

type Handler = (...args: unknown[]) => unknown

/** Runs a compiled form as the sandbox host does (new realm, realm-made module) and resolves its handler. */
function handlerOf (compiled: string, filename = 'api/x.js'): Handler {
  const context = vm.createContext({})
  const factory = vm.runInContext(compiled, context, { filename }) as (exports: unknown, module: { exports: unknown }) => void
  const module = vm.runInContext('({ exports: {} })', context) as { exports: any }
  factory(module.exports, module)
  const e = module.exports
  if (typeof e === 'function') return e
  if (typeof e?.handler === 'function') return e.handler
  if (typeof e?.default === 'function') return e.default
  return e?.default?.handler
}

function compiledOf (t: Test, source: string, filePath = 'api/x.js'): string {
  const r = compileSource(source, filePath)
  if (!r.ok) throw new Error(`expected ${JSON.stringify(source.slice(0, 200))} to compile, got ${r.message}`)
  // The contract: wrapper head on line 1, user line N is script line N, nothing after the wrapper's tail.
  t.ok(r.compiled.startsWith(WRAPPER_HEAD) && r.compiled.endsWith(WRAPPER_TAIL), 'wrapped per the contract')
  const sourceLines = source.split('\n')
  const compiledLines = r.compiled.split('\n')
  // Exports are assigned on one line after the user's last line; nothing is inserted before it.
  t.ok(compiledLines.length - sourceLines.length === 1 || compiledLines.length - sourceLines.length === 2, 'adds at most the export line')
  return r.compiled
}

const forms: Array<[string, string]> = [
  ['export async function', 'export async function handler (event, context) { return event.n + context.k }'],
  ['export const arrow', 'export const handler = async (event, context) => event.n + context.k'],
  ['export default async function', 'export default async function (event, context) { return event.n + context.k }'],
  ['export default arrow', 'export default (event, context) => event.n + context.k'],
  ['export default { handler }', 'function handler (event, context) { return event.n + context.k }\nexport default { handler }'],
  ['export { x as handler }', 'const run = async (event, context) => event.n + context.k\nexport { run as handler }'],
  ['export { handler }', 'async function handler (event, context) { return event.n + context.k }\nexport { handler }'],
  ['export const { handler }', 'const impl = { handler: (event, context) => event.n + context.k }\nexport const { handler } = impl'],
  ['exports.handler', 'exports.handler = async function (event, context) { return event.n + context.k }'],
  ['exports["handler"]', 'exports["handler"] = (event, context) => event.n + context.k'],
  ['module.exports.handler', 'module.exports.handler = async (event, context) => event.n + context.k'],
  ['module.exports = function', 'module.exports = async function (event, context) { return event.n + context.k }'],
  ['module.exports = { handler }', 'async function handler (event, context) { return event.n + context.k }\nmodule.exports = { handler }'],
  ['exports.default', 'exports.default = (event, context) => event.n + context.k'],
  ['sloppy CommonJS (with)', 'function handler (event, context) { with (event) { return n + context.k } }\nmodule.exports = { handler }'],
  ['hashbang', '#!/usr/bin/env node\nexport const handler = (event, context) => event.n + context.k'],
  // Shapes sucrase's imports transform got wrong without semicolons (ASI) or by dropping names: exported here by hand.
  ['export const [handler] after a line', 'const impl = (event, context) => event.n + context.k\nexport const [handler] = [impl]'],
  ['export let a, b', 'export let a, handler\na = 1\nhandler = (event, context) => event.n + context.k * a'],
  ['export let x = 1, { handler }', 'const o = { handler: (event, context) => event.n + context.k }\nexport let x = 1, { handler } = o'],
  ['export default class then (', 'export default class {}\n(function () {})()\nexport function handler (event, context) { return event.n + context.k }'],
  ['export in a comment-split line', 'export /* a\ncomment */ async function handler (event, context) {\n  return event.n + context.k\n} // trailing comment'],
  ['export { a as "handler" }', 'const a = (event, context) => event.n + context.k\nexport { a as "handler" }'],
  ['export default named function', 'export default function handle (event, context) { return event.n + context.k }\n[1].forEach(() => {})'],
  ['export default (parenthesized)', 'export default (function (event, context) { return event.n + context.k })'],
  ['export default /* c */ (sequence)', 'export /* (1) */ default /* (2) */ (0, (event, context) => event.n + context.k)'],
  ['export { x as default }', 'const fn = (event, context) => event.n + context.k\nexport { fn as default }'],
  ['CRLF line endings', 'export function handler (event, context) {\r\n  return event.n + context.k\r\n}\r\n']
]

t.test('every accepted source format compiles to a working handler', async t => {
  for (const [name, source] of forms) {
    const handler = handlerOf(compiledOf(t, source))
    t.equal(typeof handler, 'function', `${name}: resolves a handler`)
    t.equal(await handler({ n: 40 }, { k: 2 }), 42, `${name}: the handler runs`)
  }
})

t.test('ES module sources keep strict mode; CommonJS sources keep theirs', async t => {
  const esm = handlerOf(compiledOf(t, 'export function handler () { undeclared = 1; return "sloppy" }'))
  t.throws(() => esm(), { name: 'ReferenceError' }, 'strict: assigning an undeclared name throws')
  const cjs = handlerOf(compiledOf(t, 'exports.handler = function () { undeclared = 1; return "sloppy" }'))
  t.equal(cjs(), 'sloppy')
})

t.test('TypeScript with types, interfaces, generics, enums and parameter properties runs', async t => {
  const source = [
    'import type { Ignored } from "./types"',
    'interface Event<T> { items: T[], scale?: number }',
    'type Result<T> = { total: T, kind: Kind }',
    'enum Kind { Sum = "sum", Product = "product" }',
    'class Scaler {',
    '  constructor (private readonly factor: number) {}',
    '  apply<N extends number> (n: N): number { return n * this.factor }',
    '}',
    'function sum<T extends number> (xs: readonly T[]): number { return xs.reduce((a: number, b) => a + b, 0) }',
    'export async function handler (event: Event<number>, context: unknown): Promise<Result<number>> {',
    '  const s = new Scaler(event.scale ?? 1)',
    '  const total = s.apply(sum(event.items)) satisfies number',
    '  return { total: total as number, kind: Kind.Sum }',
    '}'
  ].join('\n')
  const handler = handlerOf(compiledOf(t, source, 'api/x.ts'))
  t.same(await handler({ items: [1, 2, 3], scale: 7 }, {}), { total: 42, kind: 'sum' })
})

t.test('TypeScript `export =` is a CommonJS handler', async t => {
  const handler = handlerOf(compiledOf(t, 'export = async function (event: { n: number }): Promise<number> { return event.n * 2 }', 'api/x.ts'))
  t.equal(await handler({ n: 21 }), 42)
})

t.test('line numbers of the source are line numbers of the compiled script', async t => {
  const cases: Array<[string, string]> = [
    ['api/x.js', 'export async function handler () {\n  const a = 1\n  const b = 2\n\n  throw new Error("line five")\n}'],
    ['api/x.js', 'exports.handler = function () {\n\n\n\n  throw new Error("line five")\n}'],
    ['api/x.ts', 'interface A {\n  x: number\n}\nexport const handler = async (e: A): Promise<number> => {\n  throw new Error("line five")\n}'],
    ['api/x.ts', 'enum E { A, B }\nexport default class Handler {\n  constructor (public n: number) {}\n}\nconst h = (): never => { throw new Error("line five") }\nexport { h as handler }'],
    ['api/x.js', 'export /* a\ncomment */ const\n  handler = () => {\n    let x = 1\n    throw new Error("line five")\n  }'],
    ['api/x.js', 'export default\n\n\n  function () {\n  throw new Error("line five")\n}'],
    ['api/x.js', 'exports.handler = function () {\r\n\r\n\u2028\r\n  throw new Error("line five")\r\n}']
  ]
  for (const [filePath, source] of cases) {
    const handler = handlerOf(compiledOf(t, source, filePath), 'api/x.js')
    const err = await Promise.resolve().then(() => handler({})).then(() => undefined, (e: Error) => e)
    t.match(err?.stack, /api\/x\.js:5:/, `${filePath}: line 5 in the stack`)
  }
})

t.test('sha256 is the hex sha256 of the source as deployed', async t => {
  for (const source of ['export const handler = () => "é ✓ 𝄞"', '#!/usr/bin/env node\nexports.handler = () => 1']) {
    const r = compileSource(source, 'api/x.js')
    t.ok(r.ok)
    if (r.ok) t.equal(r.sha256, createHash('sha256').update(Buffer.from(source, 'utf8')).digest('hex'))
  }
})

t.test('a big but valid source (~500 KB) compiles and runs, as JavaScript and as TypeScript', async t => {
  const n = 12_000
  const js = Array.from({ length: n }, (_, i) => `function f${i} (x) { return x + ${i % 7} - ${i % 7} }`).join('\n') +
    `\nexport async function handler (event) {\n  let x = event.n\n  for (let i = 0; i < ${n}; i += 1000) x = globalThis.__fs[i](x)\n  return x\n}\n`
  const source = `globalThis.__fs = [${Array.from({ length: n }, (_, i) => `f${i}`).join(',')}]\n${js}`
  t.ok(source.length > 450_000, `source is ${source.length} bytes`)
  t.equal(await handlerOf(compiledOf(t, source))({ n: 42 }), 42)
  const ts = source.replace(/ \(x\)/g, ' (x: number): number')
  t.equal(await handlerOf(compiledOf(t, ts, 'api/x.ts'))({ n: 42 }), 42)
})
