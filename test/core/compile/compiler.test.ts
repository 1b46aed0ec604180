import t from 'tap'
import { Compiler } from '../../../core/compile/compiler.js'

t.test('the piscina pool compiles off the main thread and closes cleanly', async t => {
  const compiler = new Compiler({ maxThreads: 1 })
  const results = await Promise.all([
    compiler.compile('export const handler = async () => 1', 'api/a.js'),
    compiler.compile('export const handler = async (): Promise<number> => 1', 'api/b.ts'),
    compiler.compile('nope(', 'api/c.js')
  ])
  t.match(results, [{ ok: true }, { ok: true }, { ok: false, message: /^SyntaxError/ }])
  await compiler.close()
})
