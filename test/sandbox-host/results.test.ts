import t from 'tap'
import { HostDriver, wrap } from './host-driver.js'

// What an invocation answers: JSON text built in the realm, or `<ErrorName>: <message>` of what went wrong.

const NEVER_SETTLED = 'Function returned a promise that never settled'

t.test('results are JSON text; undefined is "null"', async t => {
  const host = new HostDriver(t)
  const cases: Array<[string, string]> = [
    ['return { a: [1, "x", null], b: true }', '{"a":[1,"x",null],"b":true}'],
    ['return "text"', '"text"'],
    ['return 0', '0'],
    ['return null', 'null'],
    ['return undefined', 'null'],
    ['return () => 1', 'null'],
    ['return { toJSON () { return { shown: 1 } } }', '{"shown":1}'],
    ['return new Date(0)', '"1970-01-01T00:00:00.000Z"'],
    ['return Promise.resolve([1, 2])', '[1,2]'],
    ['return { then (resolve) { resolve("thenable") } }', '"thenable"']
  ]
  for (const [body, json] of cases) {
    t.has((await host.invoke(wrap(`exports.handler = async () => { ${body} }`))).result, { ok: true, result: json }, body)
  }
  // A synchronous handler is answered the same way.
  t.has((await host.invoke(wrap('exports.handler = () => ({ sync: true })'))).result, { ok: true, result: '{"sync":true}' })
})

t.test('thrown errors, thrown non-errors and rejections give <ErrorName>: <message>', async t => {
  const host = new HostDriver(t)
  const cases: Array<[string, string]> = [
    ['exports.handler = () => { throw new Error("plain") }', 'Error: plain'],
    ['exports.handler = () => { throw new TypeError("typed") }', 'TypeError: typed'],
    ['exports.handler = () => { x.y = 1 }', 'ReferenceError: x is not defined'],
    ['exports.handler = async () => { await null; throw new RangeError("later") }', 'RangeError: later'],
    ['exports.handler = () => Promise.reject(new SyntaxError("rejected"))', 'SyntaxError: rejected'],
    ['exports.handler = () => { class MyError extends Error { constructor (m) { super(m); this.name = "MyError" } }; throw new MyError("custom") }', 'MyError: custom'],
    ['exports.handler = () => { throw new Error() }', 'Error'],
    ['exports.handler = () => { throw "boom" }', 'boom'],
    ['exports.handler = () => { throw 42 }', '42'],
    ['exports.handler = () => { throw undefined }', 'undefined'],
    ['exports.handler = () => Promise.reject("rejected string")', 'rejected string'],
    ['exports.handler = () => { throw { toString () { return "custom text" } } }', 'custom text'],
    // Reading what was thrown runs user code: when that throws too, the answer is a fixed text, never a crash.
    ['exports.handler = () => { throw { toString () { throw new Error("no") } } }', 'Unknown error'],
    ['exports.handler = () => { throw Object.create(null) }', 'Unknown error'],
    ['exports.handler = () => { const e = new Error("m"); Object.defineProperty(e, "message", { get () { throw e } }); throw e }', 'Unknown error'],
    ['exports.handler = () => { throw Symbol("s") }', 'Symbol(s)']
  ]
  for (const [body, message] of cases) {
    t.has((await host.invoke(wrap(body))).result, { ok: false, message }, body)
  }
})

t.test('errors while loading the code are execution errors', async t => {
  const host = new HostDriver(t)
  t.has((await host.invoke(wrap('notDefined.handler = 1'))).result, { ok: false, message: 'ReferenceError: notDefined is not defined' })
  t.has((await host.invoke(wrap('throw new Error("at load")'))).result, { ok: false, message: 'Error: at load' })
  t.match((await host.invoke(wrap('exports.handler = () => {'))).result, { ok: false, message: /^SyntaxError: / })
})

t.test('results JSON cannot express are execution errors', async t => {
  const host = new HostDriver(t)
  t.has((await host.invoke(wrap('exports.handler = () => 10n'))).result, { ok: false, message: 'TypeError: Do not know how to serialize a BigInt' })
  t.has((await host.invoke(wrap('exports.handler = () => ({ n: { deep: 1n } })'))).result, { ok: false, message: 'TypeError: Do not know how to serialize a BigInt' })
  t.match((await host.invoke(wrap('exports.handler = () => { const a = { b: {} }; a.b.a = a; return a }'))).result, { ok: false, message: /^TypeError: Converting circular structure to JSON/ })
  t.has((await host.invoke(wrap('exports.handler = () => ({ toJSON () { throw new RangeError("no json") } })'))).result, { ok: false, message: 'RangeError: no json' })
})

t.test('a result over maxResultBytes (UTF-8) is an error; one at the limit passes', async t => {
  const host = new HostDriver(t, { maxResultBytes: 1000 })
  // JSON text of a string of n ASCII characters is n + 2 bytes.
  t.has((await host.invoke(wrap('exports.handler = () => "x".repeat(998)'))).result, { ok: true })
  t.has((await host.invoke(wrap('exports.handler = () => "x".repeat(999)'))).result, { ok: false, message: 'RangeError: Function result exceeds 1000 bytes' })
  // 400 two-byte characters: 402 characters of JSON but 802 bytes, then 502 characters and 1002 bytes.
  t.has((await host.invoke(wrap('exports.handler = () => "é".repeat(399)'))).result, { ok: true })
  t.has((await host.invoke(wrap('exports.handler = () => "é".repeat(500)'))).result, { ok: false, message: 'RangeError: Function result exceeds 1000 bytes' })
})

t.test('a promise that can never settle fails at once, not at the timeout', async t => {
  const host = new HostDriver(t)
  const started = Date.now()
  const { result } = await host.invoke(wrap('exports.handler = () => new Promise(() => {})'), { timeoutMs: 60000 })
  t.has(result, { ok: false, message: NEVER_SETTLED })
  t.ok(Date.now() - started < 10000, 'answered long before any timeout')
  t.has((await host.invoke(wrap('exports.handler = async () => { await new Promise(() => {}) }'))).result, { ok: false, message: NEVER_SETTLED })
  // A long but finite chain of microtasks is not "never".
  t.has((await host.invoke(wrap('exports.handler = async () => { let p = Promise.resolve(0); for (let i = 0; i < 5000; i++) p = p.then((v) => v + 1); return p }'))).result, { ok: true, result: '5000' })
})

t.test('asynchronous WebAssembly compilation is refused at once, inside the realm', async t => {
  const host = new HostDriver(t)
  const bytes = 'new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])'
  for (const call of [`WebAssembly.compile(${bytes})`, `WebAssembly.instantiate(${bytes})`]) {
    const value = await host.value(wrap(`exports.handler = async () => { try { await ${call}; return 'compiled' } catch (e) { return [e instanceof WebAssembly.CompileError, e instanceof Error] } }`))
    t.same(value, [true, true], call)
  }
  t.same(await host.value(wrap(`exports.handler = () => { try { new WebAssembly.Module(${bytes}); return 'compiled' } catch (e) { return e instanceof WebAssembly.CompileError } }`)), true)
})
