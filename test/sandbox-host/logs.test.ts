import t from 'tap'
import { HostDriver, wrap } from './host-driver.js'

// console inside the realm: prefixes, util.format-style text, order, and the per-invocation limits.

const TRUNCATED = '[WARN] Log output truncated'

t.test('each console method has its prefix; lines arrive in order, formatted like util.format', async t => {
  const host = new HostDriver(t)
  const { result, logs } = await host.invoke(wrap(`exports.handler = () => {
    console.log('plain')
    console.info('%s is %d years and %i days, %f%%', 'Ada', 36, '12.9', '0.5')
    console.warn({ a: 1, b: 'x' }, [1, 2, 3])
    console.error(new Map([['k', { deep: { deeper: { deepest: 1 } } }]]), new Set([1]))
    console.debug('%j', { j: [1] }, 'extra', 2, null, undefined, 10n, Symbol('s'))
    console.log(function named () {}, class Klass {}, new Date(0))
    const c = { name: 'c' }; c.self = c
    console.log(c, Object.create(null), { get lazy () { throw new Error('getter ran') } })
    return 'done'
  }`))
  t.has(result, { ok: true, result: '"done"' })
  t.same(logs, [
    '[LOG] plain',
    '[INFO] Ada is 36 years and 12 days, 0.5%',
    "[WARN] { a: 1, b: 'x' } [ 1, 2, 3 ]",
    "[ERROR] Map(1) { 'k' => { deep: { deeper: [Object] } } } Set(1) { 1 }",
    '[DEBUG] {"j":[1]} extra 2 null undefined 10n Symbol(s)',
    '[LOG] [Function: named] [class Klass] 1970-01-01T00:00:00.000Z',
    "[LOG] <ref *1> { name: 'c', self: [Circular *1] } [Object: null prototype] {} { lazy: [Getter] }"
  ])
})

t.test('errors are logged with their stack, which names only the function\'s own file', async t => {
  const host = new HostDriver(t)
  const { logs } = await host.invoke(wrap('exports.handler = () => { console.error(new TypeError("bad")) }'))
  t.equal(logs.length, 1)
  t.match(logs[0], /^\[ERROR\] TypeError: bad\n {4}at exports\.handler \(api\/fn\.js:1:\d+\)$/)
})

t.test('lines are captured on error too, up to the throw', async t => {
  const host = new HostDriver(t)
  const { result, logs } = await host.invoke(wrap('exports.handler = async () => { console.log(1); await null; console.log(2); throw new Error("x") }'))
  t.has(result, { ok: false, message: 'Error: x' })
  t.same(logs, ['[LOG] 1', '[LOG] 2'])
})

t.test('past maxLogLines capture stops, and the last line says so', async t => {
  const host = new HostDriver(t, { maxLogLines: 5 })
  const { result, logs } = await host.invoke(wrap('exports.handler = () => { for (let i = 0; i < 100; i++) console.log("line", i); return "still answers" }'))
  t.has(result, { ok: true, result: '"still answers"' })
  t.same(logs, ['[LOG] line 0', '[LOG] line 1', '[LOG] line 2', '[LOG] line 3', '[LOG] line 4', TRUNCATED])
  // The limits are per invocation: the next one logs again.
  t.same((await host.invoke(wrap('exports.handler = () => { console.log("fresh") }'))).logs, ['[LOG] fresh'])
})

t.test('past maxLogBytes (UTF-8 bytes, not characters) capture stops, and the last line says so', async t => {
  const host = new HostDriver(t, { maxLogBytes: 100 })
  // "[LOG] " + 10 two-byte characters = 26 bytes (16 characters): three lines fit in 100 bytes, the fourth does not.
  const { logs } = await host.invoke(wrap('exports.handler = () => { for (let i = 0; i < 10; i++) console.log("é".repeat(10)) }'))
  t.same(logs, ['[LOG] ' + 'é'.repeat(10), '[LOG] ' + 'é'.repeat(10), '[LOG] ' + 'é'.repeat(10), TRUNCATED])
  // One line larger than the whole budget: nothing of it, only the notice.
  t.same((await host.invoke(wrap('exports.handler = () => { console.log("x".repeat(500)); console.log("after") }'))).logs, [TRUNCATED])
})

t.test('lines logged after the answer are not delivered', async t => {
  const host = new HostDriver(t)
  const { logs } = await host.invoke(wrap(`exports.handler = () => {
    Promise.resolve().then(() => Promise.resolve()).then(() => { console.log('too late') })
    console.log('in time')
    return 1
  }`))
  t.same(logs, ['[LOG] in time'])
})

t.test('a line that cannot be emitted at the stack limit is dropped; capture goes on afterwards', async t => {
  const host = new HostDriver(t, { maxLogLines: 1e9, maxLogBytes: 1e12 })
  // At every depth from the limit upwards a line is logged: the deepest ones fail inside the host, the rest arrive.
  const { result, logs } = await host.invoke(wrap(`exports.handler = () => {
    let levels = 0
    const dive = () => { try { dive() } catch {} levels++; console.log('level') }
    dive()
    console.log('after the dive')
    return levels
  }`))
  t.equal(result.ok, true)
  const levels = JSON.parse((result as { result: string }).result) as number
  t.ok(levels > 1000, `dived ${levels} levels`)
  t.equal(logs[logs.length - 1], '[LOG] after the dive', 'the line after the dive arrived')
  t.ok(logs.length > levels / 2, `${logs.length} of ${levels} lines arrived`)
  t.notOk(logs.includes(TRUNCATED))
})
