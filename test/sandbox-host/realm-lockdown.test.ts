import t from 'tap'
import { HostDriver, wrap } from './host-driver.js'

// One host, one realm, many invocations (realm-lockdown.ts): every test here runs a writer and then a reader in the
// SAME host and proves the reader sees nothing of the writer. The host runs without the service's layer-2 flags.

const sloppy = (body: string): string => wrap(`exports.handler = function (event) {\n${body}\n}`)
const strict = (body: string): string => wrap(`const sloppyThis = function () { return this }
exports.handler = async function (event) {\n"use strict";\n${body}\n}`)

t.test('globals written any way a function can are its own: visible to itself, gone for the next invocation', async t => {
  const host = new HostDriver(t)
  const writer = await host.value(sloppy(`
    implicitGlobal = 'A'
    this.viaSloppyThis = 'A'
    globalThis.viaGlobalThis = 'A'
    Object.defineProperty(globalThis, 'defined', { value: 'A', configurable: false })
    globalThis.JSON = 'replaced'
    return [implicitGlobal, this.viaSloppyThis, viaGlobalThis, defined, typeof globalThis.Math, globalThis.globalThis === globalThis, globalThis.JSON]`))
  t.same(writer, ['A', 'A', 'A', 'A', 'object', true, 'replaced'], 'the writer reads back what it wrote, by bare name too')
  const reader = await host.value(sloppy(`
    return [typeof implicitGlobal, typeof this.implicitGlobal, typeof this.viaSloppyThis, typeof viaGlobalThis, typeof defined, typeof globalThis.JSON.parse]`))
  t.same(reader, ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'function'])
})

t.test('a global the realm cannot take back (non-configurable on the real global) makes the host replace the realm', async t => {
  const host = new HostDriver(t)
  const writer = await host.value(sloppy(`
    const real = (function () { return this })()
    Object.defineProperty(real, 'stuck', { value: 'A', configurable: false })
    Object.setPrototypeOf(real, null)
    return [real.stuck, Object.getPrototypeOf(real)]`))
  t.same(writer, ['A', null])
  const reader = await host.value(sloppy(`
    const real = (function () { return this })()
    return [typeof real.stuck, typeof stuck, Object.getPrototypeOf(real) === null, typeof real.hasOwnProperty]`))
  t.same(reader, ['undefined', 'undefined', false, 'function'])
})

t.test('the intrinsics, hidden ones included, are frozen: writes fail and nothing reaches the next invocation', async t => {
  const host = new HostDriver(t)
  const targets = {
    'Object.prototype': 'Object.prototype',
    'Array.prototype': 'Array.prototype',
    JSON: 'JSON',
    Math: 'Math',
    'Promise.prototype': 'Promise.prototype',
    '%TypedArray%.prototype': 'Object.getPrototypeOf(Uint8Array.prototype)',
    '%IteratorPrototype%': 'Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))',
    '%ArrayIteratorPrototype%': 'Object.getPrototypeOf([][Symbol.iterator]())',
    '%MapIteratorPrototype%': 'Object.getPrototypeOf(new Map().entries())',
    '%RegExpStringIteratorPrototype%': 'Object.getPrototypeOf("a".matchAll(/a/g))',
    '%GeneratorFunction.prototype%': 'Object.getPrototypeOf(function * () {})',
    '%GeneratorPrototype%': 'Object.getPrototypeOf(function * () {}).prototype',
    '%AsyncFunction.prototype%': 'Object.getPrototypeOf(async function () {})',
    '%AsyncGeneratorPrototype%': 'Object.getPrototypeOf(async function * () {}).prototype',
    '%AsyncIteratorPrototype%': 'Object.getPrototypeOf(Object.getPrototypeOf(async function * () {}).prototype)',
    '%ThrowTypeError%': 'Object.getOwnPropertyDescriptor(Function.prototype, "caller").get',
    'Intl.Segmenter segments': 'Object.getPrototypeOf(new Intl.Segmenter().segment("a"))',
    // The realm's real global, reachable as a sloppy function's `this`: a function of the function's own.
    'the global object\'s prototype': 'Object.getPrototypeOf(Reflect.apply(sloppyThis, undefined, []))',
    'Error.prototype.toString (an override accessor\'s getter)': 'Object.getOwnPropertyDescriptor(Error.prototype, "toString").get'
  }
  for (const [name, expr] of Object.entries(targets)) {
    const writer = await host.value(strict(`
      const target = ${expr}
      let write = 'written'
      try { target.leak = 'A' } catch (e) { write = e.name }
      return [Object.isFrozen(target), write]`))
    t.same(writer, [true, 'TypeError'], `${name} is frozen`)
    const reader = await host.value(strict(`return typeof (${expr}).leak`))
    t.equal(reader, 'undefined', `${name} carries nothing to the next invocation`)
  }
})

t.test('the legacy RegExp statics, which hold the last match of any regexp in the realm, are gone', async t => {
  const host = new HostDriver(t)
  const writer = await host.value(strict(`/(secret-\\w+)/.exec('the token is secret-abc123'); return [typeof RegExp.$1, typeof RegExp.lastMatch, typeof RegExp.input, 'secret-x'.replace(/(s)/, '$1')]`))
  t.same(writer, ['undefined', 'undefined', 'undefined', 'secret-x'])
  const reader = await host.value(strict(`return Object.getOwnPropertyNames(RegExp).filter((k) => !['length', 'name', 'prototype'].includes(k))`))
  t.same(reader, [], 'no RegExp static but the standard ones')
})

t.test('the function\'s own objects are per invocation: module scope, arguments.callee, exports', async t => {
  const host = new HostDriver(t)
  const code = wrap(`let calls = 0
    const self = arguments.callee
    exports.handler = function () { calls++; const seen = self.mark; self.mark = 'A'; return [calls, seen === undefined] }`)
  const sha256 = 'same-code'
  t.same(await host.value(code, { sha256 }), [1, true])
  t.same(await host.value(code, { sha256, sendCode: false }), [1, true], 'module scope and the wrapper function start over')
})

t.test('assigning what frozen built-ins define works on your own objects (the override mistake is avoided)', async t => {
  const host = new HostDriver(t)
  const outcome = await host.value(strict(`
    class ValidationError extends Error { constructor (m) { super(m); this.name = 'ValidationError' } }
    function Point (x) { this.x = x }
    Point.prototype.toString = function () { return 'Point(' + this.x + ')' }
    Point.prototype.constructor = Point
    const o = {}
    o.toString = () => 'own'
    o.hasOwnProperty = () => 'shadowed'
    const list = []
    list.push = function (v) { return 'custom push ' + v }
    const frozenWrite = (() => { try { Error.prototype.name = 'x'; return 'written' } catch (e) { return e.name } })()
    return [String(new ValidationError('bad')), String(new Point(1)), String(o), o.hasOwnProperty('x'), list.push(1), [1].concat(2).join(), frozenWrite, Error.prototype.name]`))
  t.same(outcome, ['ValidationError: bad', 'Point(1)', 'own', 'shadowed', 'custom push 1', '1,2', 'TypeError', 'Error'])
})

t.test('console still names built-in classes, and global names bind to the realm\'s values', async t => {
  const host = new HostDriver(t)
  const { result, logs } = await host.invoke(strict(`
    console.log(new Map([[1, 2]]), new Set(['a']), [1, 2], new Uint8Array(2), new TypeError('t').name)
    class Mine {}
    console.log(new Mine(), Object.create(null))
    return [typeof console.log, JSON.stringify({ a: 1 }), Math.max(1, 2), typeof globalThis.JSON]`))
  t.match(result, { ok: true, result: '["function","{\\"a\\":1}",2,"object"]' })
  t.same(logs, ["[LOG] Map(1) { 1 => 2 } Set(1) { 'a' } [ 1, 2 ] Uint8Array(2) [ 0, 0 ] TypeError", '[LOG] Mine {} [Object: null prototype] {}'])
})
