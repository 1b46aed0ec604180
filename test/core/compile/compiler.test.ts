import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'
import t from 'tap'
import { Compiler } from '../../../core/compile/compiler.js'
import { hasCode } from '../../../core/errors.js'
import { cleanEnv } from '../../helpers/clean-spawn.js'

t.test('the piscina pool compiles JavaScript and TypeScript and refuses bad code', async t => {
  const compiler = new Compiler({ maxThreads: 2 })
  t.teardown(() => compiler.close())
  const results = await Promise.all([
    compiler.compile('export const handler = async (e) => e.n + 1', 'api/a.js'),
    compiler.compile('export const handler = async (e: { n: number }): Promise<number> => e.n * 2', 'api/b.ts'),
    compiler.compile('exports.handler = (\n1', 'api/c.js'),
    compiler.compile('const x = 1', 'api/d.js')
  ])
  t.match(results, [
    { ok: true, sha256: /^[0-9a-f]{64}$/ },
    { ok: true },
    { ok: false, message: 'SyntaxError: Unexpected token (2:1)' },
    { ok: false, message: /^Error: Function code defines no handler/ }
  ])
  const [a, b] = results
  if (a?.ok !== true || b?.ok !== true) return
  const run = (compiled: string, n: number): unknown => {
    const module = { exports: {} as { handler: (e: unknown) => unknown } }
    ;(vm.runInNewContext(compiled) as (e: unknown, m: unknown) => void)(module.exports, module)
    return module.exports.handler({ n })
  }
  t.equal(await run(a.compiled, 41), 42)
  t.equal(await run(b.compiled, 21), 42)
})

t.test('a ~500 KB source round-trips through the worker', async t => {
  const compiler = new Compiler()
  t.teardown(() => compiler.close())
  const source = `exports.handler = () => 42\n${'const pad = "0123456789abcdef0123456789abcdef0123456789abcdef"\n'.repeat(8000).replace(/pad/g, () => `p${Math.random().toString(36).slice(2)}`)}`
  t.ok(source.length > 450_000)
  const r = await compiler.compile(source, 'api/big.js')
  t.match(r, { ok: true })
})

t.test('a failure of the compiler itself rejects with FN_ERR_INTERNAL, and the pool carries on', async t => {
  const compiler = new Compiler()
  t.teardown(() => compiler.close())
  // Not a string: the worker throws (a compiler fault, not a refusal of user code).
  const err = await compiler.compile(undefined as unknown as string, 'api/x.js').then(() => undefined, (e: unknown) => e)
  t.ok(hasCode(err, 'FN_ERR_INTERNAL'), 'FN_ERR_INTERNAL')
  t.ok((err as Error).cause instanceof Error, 'keeps the cause')
  t.match(await compiler.compile('exports.handler = () => 1', 'api/x.js'), { ok: true }, 'the next compile works')
})

t.test('a compile over its time bound is refused as too slow', async t => {
  const compiler = new Compiler({ timeoutMs: 1 })
  t.teardown(() => compiler.close())
  // ~500 KB of top-level declarations: acorn needs far more than 1 ms for it.
  const source = `${Array.from({ length: 40_000 }, (_, i) => `let a${i} = ${i}`).join('\n')}\nexports.handler = () => 1`
  t.same(await compiler.compile(source, 'api/slow.js'), { ok: false, message: 'Error: Function code took too long to compile (over 1 ms)' })
  const roomy = new Compiler({ timeoutMs: 60_000 })
  t.teardown(() => roomy.close())
  t.match(await roomy.compile(source, 'api/slow.js'), { ok: true }, 'the same source compiles with the default bound')
})

t.test('close() is idempotent and later compiles reject', async t => {
  const compiler = new Compiler()
  t.match(await compiler.compile('exports.handler = () => 1', 'api/x.js'), { ok: true })
  await Promise.all([compiler.close(), compiler.close()])
  await compiler.close()
  const err = await compiler.compile('exports.handler = () => 1', 'api/x.js').then(() => undefined, (e: unknown) => e)
  t.ok(hasCode(err, 'FN_ERR_INTERNAL'))
})

/** Runs the fixture in a fresh process and reports its exit code and output, or `hung` after a generous bound. */
async function runChild (mode: string): Promise<{ code: number | null, out: string, hung: boolean }> {
  const script = fileURLToPath(new URL('../../fixtures/compile/pool-exit.js', import.meta.url))
  const child = spawn(process.execPath, [script, mode], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  let hung = false
  const timer = setTimeout(() => { hung = true; child.kill('SIGKILL') }, 20_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(timer)
  return { code, out, hung }
}

t.test('close() lets the process exit', async t => {
  const r = await runChild('close')
  t.same(r, { code: 0, out: '[true,true]', hung: false })
})

t.test('an idle pool, even never closed, does not keep the process alive', async t => {
  const r = await runChild('idle')
  t.same(r, { code: 0, out: '[true,true]', hung: false })
})
