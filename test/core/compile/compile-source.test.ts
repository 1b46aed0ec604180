import { createHash } from 'node:crypto'
import vm from 'node:vm'
import t from 'tap'
import { compileSource } from '../../../core/compile/compile-source.js'

/** Runs a compiled form the way the sandbox does and returns the handler it resolves to. */
function handlerOf (compiled: string, filename = 'api/x.js'): (...args: unknown[]) => unknown {
  const factory = vm.runInNewContext(compiled, {}, { filename }) as (exports: object, module: { exports: unknown }) => void
  const module: { exports: any } = { exports: {} }
  factory(module.exports, module)
  const e = module.exports
  return typeof e === 'function' ? e : e.handler ?? e.default ?? e.default?.handler
}

const forms: Array<[string, string]> = [
  ['export async function', 'export async function handler (event) { return event.n + 1 }'],
  ['export const arrow', 'export const handler = async (event) => event.n + 1'],
  ['export default function', 'export default async function (event) { return event.n + 1 }'],
  ['export { x as handler }', 'const run = async (event) => event.n + 1\nexport { run as handler }'],
  ['exports.handler', 'exports.handler = async function (event) { return event.n + 1 }'],
  ['module.exports.handler', 'module.exports.handler = async (event) => event.n + 1'],
  ['module.exports = function', 'module.exports = async (event) => event.n + 1'],
  ['module.exports = { handler }', 'async function handler (event) { return event.n + 1 }\nmodule.exports = { handler }']
]

t.test('every accepted source format compiles to a working handler', async t => {
  for (const [name, source] of forms) {
    const r = compileSource(source, 'api/x.js')
    if (!r.ok) { t.fail(`${name}: ${r.message}`); continue }
    t.equal(await handlerOf(r.compiled)({ n: 41 }), 42, name)
  }
})

t.test('TypeScript loses its types and runs', async t => {
  const source = 'interface E { n: number }\ntype R<T> = { value: T }\nexport async function handler (event: E): Promise<R<number>> {\n  const v: number = event.n as number\n  return { value: v * 2 }\n}'
  const r = compileSource(source, 'api/x.ts')
  t.ok(r.ok)
  if (r.ok) t.same(await handlerOf(r.compiled)({ n: 21 }), { value: 42 })
})

t.test('syntax errors carry line and column', async t => {
  t.same(compileSource('export async function handler() {\n  return {\n    a: 1 2\n  }\n}', 'api/x.js'), { ok: false, message: 'SyntaxError: Unexpected token (3:9)' })
  const ts = compileSource('export const handler = (a: ) => 1', 'api/x.ts')
  t.notOk(ts.ok)
  if (!ts.ok) t.match(ts.message, /^SyntaxError: .*\(1:\d+\)$/)
})

t.test('code without a handler is refused, statically', async t => {
  for (const source of ['export const notAHandler = 1', 'const handler = 1', 'exports.other = () => 1', 'while (true) {}']) {
    const r = compileSource(source, 'api/x.js')
    t.notOk(r.ok, source)
    if (!r.ok) t.match(r.message, /defines no handler/)
  }
})

t.test('module imports, require, dynamic import() and import.meta are refused with a position', async t => {
  const cases: Array<[string, RegExp]> = [
    ['import fs from "fs"\nexport const handler = () => fs', /may not import modules \(1:0\)/],
    ['export { readFile as handler } from "fs"', /may not import modules/],
    ['export * from "fs"\nexport const handler = 1', /may not import modules/],
    ['const fs = require("fs")\nexports.handler = () => fs', /may not import modules \(1:11\)/],
    ['export const handler = () => import("fs")', /Dynamic import\(\) is not available \(1:29\)/],
    ['export const handler = () => import.meta.url', /import\.meta is not available/]
  ]
  for (const [source, message] of cases) {
    const r = compileSource(source, 'api/x.js')
    t.notOk(r.ok, source)
    if (!r.ok) t.match(r.message, message)
  }
})

t.test('line numbers of the source are line numbers of the compiled script', async t => {
  const source = 'export async function handler () {\n  const a = 1\n  const b = 2\n\n  throw new Error("line five")\n}'
  const r = compileSource(source, 'api/x.js')
  t.ok(r.ok)
  if (!r.ok) return
  const err = await Promise.resolve(handlerOf(r.compiled, 'api/x.js')()).catch((e: Error) => e) as Error
  t.match(err.stack, /api\/x\.js:5:/)
})

t.test('sha256 is of the source as deployed; large sources compile', async t => {
  const source = `export async function handler () { return 1 }\n${'// filler line\n'.repeat(30000)}`
  const r = compileSource(source, 'api/x.js')
  t.ok(r.ok)
  if (r.ok) t.equal(r.sha256, createHash('sha256').update(source).digest('hex'))
})
