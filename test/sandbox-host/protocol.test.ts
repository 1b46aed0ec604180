import t from 'tap'
import { HostDriver, wrap } from './host-driver.js'

// The host as a process: handshake, message handling, signals, exits. Every test forks the real compiled child.

const ECHO = wrap('exports.handler = async (e, c) => ({ e, name: c.functionName, project: c.projectId })')

t.test('the host says ready with its runtime, and writes nothing to stdout or stderr', async t => {
  const host = new HostDriver(t)
  t.same(await host.ready(), { type: 'ready', runtime: `node${process.versions.node.split('.')[0] ?? ''}` })
  await host.invoke(wrap('exports.handler = () => { console.log("to the parent only"); throw new Error("x") }'))
  await host.invoke(wrap('exports.handler = () => { Promise.reject(new Error("unhandled")); null.boom }'))
  host.child.kill('SIGKILL')
  await host.exited
  t.equal(host.output, '')
})

t.test('every export form is found; a module without a handler is an execution error', async t => {
  const host = new HostDriver(t)
  const event = { q: [1, 'two'] }
  const forms: Record<string, string> = {
    'module.exports = fn': 'module.exports = async (e, c) => ({ e, name: c.functionName })',
    'exports.handler': 'exports.handler = async (e, c) => ({ e, name: c.functionName })',
    'module.exports.handler': 'module.exports.handler = function (e, c) { return { e, name: c.functionName } }',
    'exports.default (function)': 'exports.default = async function (e, c) { return { e, name: c.functionName } }',
    'exports.default.handler': 'exports.default = { handler: (e, c) => ({ e, name: c.functionName }) }',
    'handler wins over default': 'exports.default = () => "wrong"; exports.handler = (e, c) => ({ e, name: c.functionName })'
  }
  for (const [name, body] of Object.entries(forms)) {
    t.same(await host.value(wrap(body), { event }), { e: event, name: 'fn' }, name)
  }
  for (const body of ['exports.x = 1', 'module.exports = 42', 'exports.handler = "not a function"', '']) {
    t.has((await host.invoke(wrap(body))).result, { ok: false, message: 'Error: Function code defines no handler' }, `no handler: ${body}`)
  }
})

t.test('code is cached by sha256; a host without it answers an error and runs it once it is sent', async t => {
  const host = new HostDriver(t)
  const first = await host.invoke(ECHO, { sendCode: false, sha256: 'abc' })
  t.has(first.result, { ok: false, message: 'Error: Sandbox host does not hold the compiled code' })
  t.same(await host.value(ECHO, { sha256: 'abc' }), { e: {}, name: 'fn', project: 'proj' })
  // Cached now: no code sent, and a different text under the same key is not looked at.
  t.same(await host.value(ECHO, { sha256: 'abc', sendCode: false, event: { n: 2 } }), { e: { n: 2 }, name: 'fn', project: 'proj' })
  t.same(await host.value(wrap('exports.handler = () => "other"'), { sha256: 'abc' }), { e: {}, name: 'fn', project: 'proj' })
  // A syntax error is cached too, as the same error each time.
  const bad = wrap('exports.handler = () => {')
  t.match((await host.invoke(bad, { sha256: 'bad' })).result, { ok: false, message: /^SyntaxError: / })
  t.match((await host.invoke(bad, { sha256: 'bad', sendCode: false })).result, { ok: false, message: /^SyntaxError: / })
})

t.test('messages of the wrong shape are ignored; the host keeps answering', async t => {
  const host = new HostDriver(t)
  await host.ready()
  for (const junk of [null, 42, 'invoke', [], { type: 'nope' }, { type: 'invoke' }, { type: 'invoke', id: 'x', sha256: 1 },
    { type: 'invoke', id: 'y', sha256: 's', filePath: 'f', event: '{}', context: { functionName: 'f' } },
    { type: 'invoke', id: 'z', sha256: 's', code: 42, filePath: 'f', event: '{}', context: { functionName: 'f', projectId: 'p', invocationId: 'z', timestamp: 't', timeoutMs: 1 } }]) {
    host.send(junk)
  }
  t.same(await host.value(ECHO), { e: {}, name: 'fn', project: 'proj' })
  await t.rejects(host.next((m) => m.type === 'result' && ['x', 'y', 'z'].includes(m.id), 200), 'no answer to a malformed invoke')
})

t.test('the result reports the handler time', async t => {
  const host = new HostDriver(t)
  const { result } = await host.invoke(wrap('exports.handler = () => { let x = 0; for (let i = 0; i < 2e6; i++) x += i; return x }'))
  t.equal(result.ok, true)
  t.type(result.duration, 'number')
  t.ok(result.duration > 0 && result.duration < 15000, `duration ${result.duration}`)
})

t.test('SIGTERM and SIGINT do not stop the host; shutdown exits 0', async t => {
  const host = new HostDriver(t)
  await host.ready()
  host.child.kill('SIGTERM')
  host.child.kill('SIGINT')
  t.same(await host.value(ECHO), { e: {}, name: 'fn', project: 'proj' }, 'still answering after both signals')
  t.equal(host.child.exitCode, null)
  host.send({ type: 'shutdown' })
  t.same(await host.exited, { code: 0, signal: null })
})

t.test('the host exits 0 when the parent disconnects', async t => {
  const host = new HostDriver(t)
  await host.ready()
  host.child.disconnect()
  t.same(await host.exited, { code: 0, signal: null })
})

t.test('the host survives unhandled rejections and errors thrown after the answer', async t => {
  const host = new HostDriver(t)
  const left = await host.invoke(wrap(`exports.handler = async () => {
    Promise.reject(new Error('nobody listens'))
    Promise.reject('a string')
    Promise.resolve().then(() => { throw new TypeError('after the answer') })
    return 'answered'
  }`))
  t.has(left.result, { ok: true, result: '"answered"' })
  t.same(await host.value(ECHO), { e: {}, name: 'fn', project: 'proj' })
  t.equal(host.child.exitCode, null)
})

t.test('a synchronous loop keeps the host busy; the lines logged before it have arrived; SIGKILL ends it', async t => {
  const host = new HostDriver(t)
  await host.ready()
  const id = host.start(wrap('exports.handler = () => { console.log("before the loop"); console.warn("second", 2); for (;;) {} }'))
  const first = await host.next((m) => m.type === 'log' && m.id === id)
  const second = await host.next((m) => m.type === 'log' && m.id === id)
  t.same([first, second], [{ type: 'log', id, line: '[LOG] before the loop' }, { type: 'log', id, line: '[WARN] second 2' }])
  await t.rejects(host.next((m) => m.type === 'result', 500), 'no result while looping')
  host.child.kill('SIGTERM')
  await t.rejects(host.next(() => true, 300), 'SIGTERM does not stop it either')
  t.equal(host.child.exitCode, null)
  host.child.kill('SIGKILL')
  t.same(await host.exited, { code: null, signal: 'SIGKILL' })
})
