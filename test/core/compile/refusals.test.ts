import t from 'tap'
import { compileSource } from '../../../core/compile/compile-source.js'

function refusal (source: string, filePath = 'api/x.js'): string {
  const r = compileSource(source, filePath)
  if (r.ok) throw new Error(`expected ${JSON.stringify(source.slice(0, 80))} to be refused`)
  return r.message
}

t.test('syntax errors read as acorn reports them, with line and column', async t => {
  t.equal(refusal('export async function handler() {\n  return {\n    a: 1 2\n  }\n}'), 'SyntaxError: Unexpected token (3:9)')
  t.equal(refusal('exports.handler = async function (event) {\n  return event.\n}'), 'SyntaxError: Unexpected token (3:0)')
  t.equal(refusal('export const handler = () => 1 2'), 'SyntaxError: Unexpected token (1:31)')
  // A CommonJS source that only parses as a script: the error of the parse that got further, not "'with' in strict mode".
  t.equal(refusal('with (o) {}\nexports.handler = () => 1 2'), 'SyntaxError: Unexpected token (2:26)')
  // Valid as a program, not inside the wrapper function: still the user's line and column.
  t.equal(refusal('const module = 1\nexports.handler = () => module'), "SyntaxError: Identifier 'module' has already been declared (1:6)")
  t.equal(refusal('exports.handler = () => 1\nlet exports = 2'), "SyntaxError: Identifier 'exports' has already been declared (2:4)")
})

t.test('TypeScript syntax errors carry line and column, counted as acorn counts them', async t => {
  // Sucrase reports column 28 (1-based) for the `)` at offset 27; the message uses acorn's 0-based column.
  t.equal(refusal('export const handler = (a: ) => 1', 'api/x.ts'), 'SyntaxError: Unexpected token (1:27)')
  t.equal(refusal('interface A {\n  x: number\n}\nexport function handler (e: A): number {\n  return e.x + * 2\n}', 'api/x.ts'),
    'SyntaxError: Unexpected token (5:15)')
})

t.test('sources that cannot close the wrapper early', async t => {
  t.match(refusal('}); globalThis.pwned = 1; ({'), /^SyntaxError: .*\(1:0\)$/)
  t.match(refusal('exports.handler = 1\n})\n(function () {'), /^SyntaxError: .*\(2:0\)$/)
  t.match(refusal('exports.handler = 1 /*'), /^SyntaxError: Unterminated comment/)
})

t.test('absurdly nested code is refused, never a crash', async t => {
  for (const filePath of ['api/x.js', 'api/x.ts']) {
    t.match(refusal(`exports.handler = ${'['.repeat(20000)}${']'.repeat(20000)}`, filePath), /^SyntaxError: /, filePath)
    t.match(refusal(`export const handler = ${'('.repeat(20000)}1${')'.repeat(20000)}`, filePath), /^SyntaxError: /, filePath)
  }
})

t.test('code that defines no handler is refused, decided statically', async t => {
  const sources = [
    '',
    '// only a comment',
    'export const notAHandler = 1',
    'const handler = 1',
    'function handler () {}',
    'exports.other = () => 1',
    'exports = { handler () {} }',
    'module.handler = () => 1',
    'export { helper as notHandler }\nfunction helper () {}',
    'const o = { exports: { handler: 1 } }',
    // Would hang or mark the process if the compiler ran it.
    'globalThis.__compilerRanUserCode = true\nwhile (true) {}'
  ]
  for (const source of sources) {
    t.match(refusal(source), /^Error: Function code defines no handler/, JSON.stringify(source))
  }
  t.match(refusal('interface Handler { (): void }\nexport type handler = Handler', 'api/x.ts'), /defines no handler/)
  t.equal((globalThis as Record<string, unknown>).__compilerRanUserCode, undefined)
})

t.test('module imports and require are refused with a position', async t => {
  const importError = (pos: string): string => `Error: Function code may not import modules ${pos}; the sandbox provides no modules`
  t.equal(refusal('import fs from "fs"\nexport const handler = () => fs'), importError('(1:0)'))
  t.equal(refusal('export const handler = () => 1\nimport { readFile } from "node:fs"'), importError('(2:0)'))
  t.equal(refusal('const fs = require("fs")\nexports.handler = () => fs'), importError('(1:11)'))
  t.equal(refusal('exports.handler = () => {\n  return require("child_process").execSync("id")\n}'), importError('(2:9)'))
  t.equal(refusal('export { readFile as handler } from "fs"'), importError('(1:0)'))
  t.equal(refusal('export * from "fs"\nexport const handler = 1'), importError('(1:0)'))
  t.match(refusal('import fs = require("fs")\nexport const handler = () => fs', 'api/x.ts'), /^Error: Function code may not import modules \(1:\d+\)/)
  t.match(refusal('import { readFileSync } from "fs"\nexport const handler = (): string => readFileSync("/etc/passwd", "utf8")', 'api/x.ts'),
    /^Error: Function code may not import modules \(1:0\)/)
})

t.test('dynamic import() and import.meta are refused wherever they hide', async t => {
  t.equal(refusal('export const handler = () => import("fs")'), 'Error: Dynamic import() is not available (1:29)')
  t.equal(refusal('exports.handler = async () => {\n  const m = await import(\n    "node:" + "fs")\n  return m\n}'),
    'Error: Dynamic import() is not available (2:18)')
  t.equal(refusal('export const handler = () => [1].map(() => ({ x: import("fs") }))'), 'Error: Dynamic import() is not available (1:49)')
  t.equal(refusal('export const handler = () => import.meta.url'), 'Error: import.meta is not available (1:29)')
  t.equal(refusal('export const handler = async (): Promise<unknown> => import("fs")', 'api/x.ts'), 'Error: Dynamic import() is not available (1:53)')
  // The check is on the syntax tree, not the text: the same words in strings and comments are fine.
  const r = compileSource('// import("fs"), import.meta, require("fs")\nexport const handler = () => "import(\'fs\') import.meta require(\'x\')"', 'api/x.js')
  t.ok(r.ok, 'strings and comments mentioning import() are not refused')
})

t.test('top-level await is refused; await inside functions is fine', async t => {
  t.equal(refusal('exports.handler = 1\nawait Promise.resolve()'), 'Error: Top-level await is not available (2:0); await inside the handler')
  t.equal(refusal('for await (const x of []) {}\nexports.handler = 1'), 'Error: Top-level await is not available (1:0); await inside the handler')
  const r = compileSource('export async function handler () {\n  for await (const x of [1]) await x\n  return (async () => await 1)()\n}', 'api/x.js')
  t.ok(r.ok)
})

t.test('the first refusal in source order wins', async t => {
  t.equal(refusal('export const handler = () => import("a")\nimport b from "b"'), 'Error: Dynamic import() is not available (1:29)')
  t.equal(refusal('import b from "b"\nexport const handler = () => import("a")'),
    'Error: Function code may not import modules (1:0); the sandbox provides no modules')
})

t.test('positions in TypeScript point into the source as written, not the type-stripped code', async t => {
  const typed = 'export const handler = async (event: { deep: Array<Map<string, number>> }, context: unknown): Promise<unknown> => {\n' +
    '  const x: Record<string, unknown> = {}; return require("fs")\n}'
  t.equal(refusal(typed, 'api/x.ts'), 'Error: Function code may not import modules (2:48); the sandbox provides no modules')
  t.equal(refusal('let a: number = 1\nconst module: unknown = 2\nexport const handler = () => a', 'api/x.ts'),
    "SyntaxError: Identifier 'module' has already been declared (2:6)")
  t.equal(refusal('const t: string = "x"; const module: number = 1; export const handler = 1', 'api/x.ts'),
    "SyntaxError: Identifier 'module' has already been declared (1:29)")
})
