/**
 * The adversarial corpus: each case is a function that tries one concrete escape or abuse, drawn from public
 * advisories and write-ups on vm-based sandboxes. When a case gets hold of what looks like the host's `process`,
 * `pwn` tries the payload (write a canary file, connect to the test's TCP listener, start a process, read the
 * environment); the tests then look for those side effects, which a contained case cannot hide or fake.
 */
export interface Case {
  name: string
  /** The technique and where it comes from. */
  note: string
  source: string
  /** What the service must answer: the deploy refused, or the invocation's status. */
  expect: { deploy: 400 } | { status: number | number[] }
  /** The escape works against a naive vm runner that hands host objects in (see bare-vm.test.ts). */
  liveInBareVm?: boolean
}

/** Prepended to every case: the payload an escape would run. `event.dry` (bare-vm test) only reports. */
export const PWN = `
function pwn (p, event) {
  if (p === null || (typeof p !== 'object' && typeof p !== 'function') || typeof p.pid !== 'number') return { escaped: false }
  const out = { escaped: true, envKeys: Object.keys(p.env).length, env: p.env }
  if (event.dry) return { escaped: true }
  const mod = (name) => typeof p.getBuiltinModule === 'function' ? p.getBuiltinModule(name) : p.mainModule.require(name)
  try { mod('fs').writeFileSync(event.canaryDir + '/' + event.case, 'escaped') } catch (e) { out.write = String(e && e.code) }
  try { mod('net').connect(event.port, '127.0.0.1').on('error', () => {}) } catch (e) { out.net = String(e && e.code) }
  try { mod('child_process').execSync('touch ' + event.canaryDir + '/spawn-' + event.case) } catch (e) { out.spawn = String(e && e.code) }
  return out
}
const attempt = (fn) => { try { return fn() } catch (e) { return { threw: String(e && e.name) } } }
`

const handler = (body: string): string => `${PWN}\nexport async function handler (event, context) {\n${body}\n}`

export const CORPUS: Case[] = [
  {
    name: 'constructor-constructor',
    note: 'this.constructor.constructor("return process")(): the classic vm escape (vm2 docs, countless write-ups)',
    source: handler('return pwn(attempt(() => globalThis.constructor.constructor("return process")()), event)'),
    expect: { status: 200 }
  },
  {
    name: 'console-constructor',
    note: 'console.log.constructor.constructor: escapes whenever the host passes its own console in (naive runners)',
    source: handler('return pwn(attempt(() => console.log.constructor("return process")()), event)'),
    expect: { status: 200 },
    liveInBareVm: true
  },
  {
    name: 'context-constructor',
    note: 'context.getRemainingTimeInMillis.constructor: a host-made context object leaks Function',
    source: handler('return pwn(attempt(() => context.getRemainingTimeInMillis.constructor("return process")()), event)'),
    expect: { status: 200 },
    liveInBareVm: true
  },
  {
    name: 'event-constructor',
    note: 'event.constructor.constructor: a host-parsed event object leaks Function',
    source: handler('return pwn(attempt(() => event.constructor.constructor("return process")()), event)'),
    expect: { status: 200 },
    liveInBareVm: true
  },
  {
    name: 'proto-of-context',
    note: 'Object.getPrototypeOf(context).constructor: reaching host Object through a prototype',
    source: handler('return pwn(attempt(() => Object.getPrototypeOf(context).constructor.constructor("return process")()), event)'),
    expect: { status: 200 },
    liveInBareVm: true
  },
  {
    name: 'eval',
    note: 'eval("process"): code generation from strings',
    source: handler('return pwn(attempt(() => eval("process")), event)'),
    expect: { status: 200 }
  },
  {
    name: 'new-function',
    note: 'new Function("return this")(): the global of the realm, then process on it',
    source: handler('const g = attempt(() => new Function("return this")()); return pwn(g && g.process, event)'),
    expect: { status: 200 }
  },
  {
    name: 'async-generator-constructors',
    note: 'AsyncFunction / GeneratorFunction constructors: the other Function constructors',
    source: handler('const A = (async () => {}).constructor; const G = (function * () {}).constructor; return [await attempt(() => A("return process")()), attempt(() => G("yield process")().next().value)].map((p) => pwn(p, event))'),
    expect: { status: 200 }
  },
  {
    name: 'dynamic-import',
    note: 'import(): Node\'s vm hands back host-realm promises and errors (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING)',
    source: handler('return import("node:fs")'),
    expect: { deploy: 400 }
  },
  {
    name: 'dynamic-import-obfuscated',
    note: 'import /**/ ("fs"): the same, hidden from a textual filter',
    source: handler('return import /* hidden */ ("node:child_process")'),
    expect: { deploy: 400 }
  },
  {
    name: 'require',
    note: 'require("child_process"): the module system',
    source: `${PWN}\nconst cp = require("child_process")\nexports.handler = async () => cp`,
    expect: { deploy: 400 }
  },
  {
    name: 'import-meta',
    note: 'import.meta: module metadata of the host loader',
    source: handler('return import.meta.url'),
    expect: { deploy: 400 }
  },
  {
    name: 'prepare-stack-trace-callsites',
    note: 'Error.prepareStackTrace with CallSite#getThis/getFunction (vm2 GHSA-cchq-frgv-rjh5 family)',
    source: handler(`let frames = []
      attempt(() => { Error.prepareStackTrace = (e, f) => { frames = f; return '' } })
      attempt(() => Object.defineProperty(Error, 'prepareStackTrace', { value: (e, f) => { frames = f; return '' } }))
      void new Error('x').stack
      const found = []
      for (const f of frames) { const t = attempt(() => f.getThis()); const fn = attempt(() => f.getFunction()); found.push(t, fn && fn.constructor && attempt(() => fn.constructor('return process')())) }
      return found.map((p) => pwn(p, event)).concat([{ frames: frames.length }])`),
    expect: { status: 200 }
  },
  {
    name: 'stack-overflow-sweep',
    note: 'recurse to the stack limit, then make Node format a stack: Node\'s own JS overflows and throws a host RangeError',
    source: handler(`const results = []
      const sweep = (depth) => { try { return sweep(depth + 1) } catch (e) { try { void new Error('x').stack } catch (inner) { results.push(inner) } try { console.log(e) } catch (inner) { results.push(inner) } return depth } }
      sweep(0)
      // foreign: caught errors that are not of this realm (what layer 1 alone would lose to)
      return results.map((e) => pwn(attempt(() => e.constructor.constructor('return process')()), event)).concat([{ caught: results.length, foreign: results.filter((e) => !(e instanceof Error)).length, kinds: results.map((e) => attempt(() => String(e.constructor.constructor('return 1')))) }])`),
    expect: { status: [200, 500] }
  },
  {
    name: 'symbol-name-stack',
    note: 'e.name = Symbol(); e.stack: Node\'s formatter throws a host TypeError',
    source: handler(`const e = new Error('x'); e.name = Symbol('s')
      let caught; try { void e.stack; String(e) } catch (err) { caught = err }
      return pwn(caught && attempt(() => caught.constructor.constructor('return process')()), event)`),
    expect: { status: 200 }
  },
  {
    name: 'inspect-custom',
    note: 'Symbol.for("nodejs.util.inspect.custom") on a logged value: util.inspect passes host options/inspect in',
    source: handler(`let got
      const bait = { [Symbol.for('nodejs.util.inspect.custom')] (depth, options, inspect) { got = inspect || options; return 'bait' } }
      console.log(bait)
      return pwn(got && attempt(() => got.constructor.constructor('return process')()), event)`),
    expect: { status: 200 },
    liveInBareVm: true
  },
  {
    name: 'proxy-trap-arguments',
    note: 'a Proxy logged or thrown: host inspection calls its traps with host-made argument arrays',
    source: handler(`const seen = []
      const trap = new Proxy({}, { get (t, k, r) { seen.push(arguments); return undefined }, ownKeys (t) { seen.push(arguments); return [] }, getPrototypeOf (t) { seen.push(arguments); return null } })
      console.log(trap)
      attempt(() => { throw trap })
      return seen.map((a) => pwn(attempt(() => a.constructor.constructor('return process')()), event))`),
    expect: { status: 200 }
  },
  {
    name: 'thrown-proxy',
    note: 'throwing a Proxy or an object with getters: the host reads name/message and runs them',
    source: handler(`let got
      throw new Proxy({}, { get (t, k) { got = arguments; if (k === Symbol.toPrimitive) return () => { pwn(attempt(() => got.constructor.constructor('return process')()), event); return 'proxy' }; return undefined } })`),
    expect: { status: 500 }
  },
  {
    name: 'promise-then-replaced',
    note: 'replacing Promise.prototype.then: host promise code then hands over host callbacks (vm2 GHSA-whpj-8f3w-67p5); refused: the intrinsics are frozen',
    source: handler(`const got = []
      const then = Promise.prototype.then
      Promise.prototype.then = function (a, b) { got.push(a, b); return then.call(this, a, b) }
      const result = await Promise.resolve(1)
      return got.map((f) => pwn(attempt(() => f && f.constructor('return process')()), event)).concat([{ result }])`),
    expect: { status: 500 }
  },
  {
    name: 'species',
    note: 'constructor[Symbol.species] on the returned promise: host code builds promises with our constructor',
    source: handler(`const got = []
      class Evil extends Promise { constructor (executor) { super((res, rej) => { got.push(res, rej); executor(res, rej) }) } }
      const p = Promise.resolve('species')
      p.constructor = { [Symbol.species]: Evil }
      // Refused on a frozen intrinsic (TypeError); the own property above is allowed and stays this promise's.
      attempt(() => { Promise.prototype.constructor = Evil })
      await p.then((v) => v)
      return got.map((f) => pwn(attempt(() => f.constructor('return process')()), event))`),
    expect: { status: 200 }
  },
  {
    name: 'thenable-result',
    note: 'returning a thenable: the host resolves it and passes its own resolve/reject functions',
    source: `${PWN}\nexport function handler (event) { return { then (resolve, reject) { resolve(pwn(attempt(() => resolve.constructor('return process')()), event)) } } }`,
    expect: { status: 200 }
  },
  {
    name: 'tojson-getter',
    note: 'toJSON and getters run by host serialization, reaching the caller',
    source: `${PWN}\nexports.handler = async function (event) { return { toJSON: function () { const c = arguments.callee.caller; return pwn(attempt(() => c && c.constructor('return process')()), event) } } }`,
    expect: { status: 200 }
  },
  {
    name: 'callee-caller',
    note: 'arguments.callee.caller from a sloppy handler: the host function that called it',
    source: `${PWN}\nexports.handler = function (event) { const c = arguments.callee.caller; return pwn(attempt(() => c && c.constructor('return process')()), event) }`,
    expect: { status: 200 }
  },
  {
    name: 'microtask-after-return',
    note: 'a microtask loop left running after the handler answered: keeps the host busy forever',
    source: handler('const again = () => { Promise.resolve().then(again) }; Promise.resolve().then(() => again()); return "answered"'),
    expect: { status: [200, 504] }
  },
  {
    name: 'finalization-registry',
    note: 'FinalizationRegistry callbacks run after the invocation, on the garbage collector\'s schedule',
    source: handler('return typeof FinalizationRegistry === "undefined" ? "absent" : attempt(() => new FinalizationRegistry(() => { while (true) {} }).register({}, 1))'),
    expect: { status: 200 }
  },
  {
    name: 'atomics-wait-async',
    note: 'Atomics.waitAsync as a timer: code that wakes up after the invocation',
    source: handler('return typeof Atomics.waitAsync === "undefined" ? "absent" : attempt(() => Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50).value.then(() => { while (true) {} }))'),
    expect: { status: 200 }
  },
  {
    name: 'atomics-wait',
    note: 'Atomics.wait blocking the host\'s only thread',
    source: handler('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return "woke"'),
    expect: { status: 504 }
  },
  {
    name: 'unhandled-rejection',
    note: 'an unhandled rejection: crashes a host running with the default --unhandled-rejections=throw',
    source: handler('Promise.reject(new Error("nobody catches this")); return "still here"'),
    expect: { status: 200 }
  },
  {
    name: 'redos',
    note: 'catastrophic regular-expression backtracking (ReDoS)',
    source: handler('return /^(a+)+$/.test("a".repeat(40) + "b")'),
    expect: { status: 504 }
  },
  {
    name: 'memory-bomb',
    note: 'allocating until the heap is exhausted',
    source: handler('const hoard = []; while (true) hoard.push(new Array(1e6).fill(1))'),
    expect: { status: 500 }
  },
  {
    name: 'arraybuffer-bomb',
    note: 'typed arrays: their memory lives outside the V8 heap that --max-old-space-size caps',
    source: handler('const keep = []; while (true) keep.push(new Uint8Array(100 * 1024 * 1024).fill(1))'),
    expect: { status: 500 }
  },
  {
    name: 'giant-result',
    note: 'a result larger than MAX_RESULT_BYTES',
    source: handler('return "x".repeat(8 * 1024 * 1024)'),
    expect: { status: 500 }
  },
  {
    name: 'log-flood',
    note: 'flooding the log capture',
    source: handler('for (let i = 0; i < 100000; i++) console.log("flood " + i); return "flooded"'),
    expect: { status: 200 }
  },
  {
    name: 'stack-paths',
    note: 'stack traces that leak host paths (the layout of the host, its users, its versions)',
    source: handler('const e = new Error("where"); return { stack: e.stack, viaLog: (console.log(e), "logged") }'),
    expect: { status: 200 }
  },
  {
    name: 'wasm',
    note: 'WebAssembly compilation: native code generation in the sandbox',
    source: handler('return attempt(() => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])))'),
    expect: { status: 200 }
  },
  {
    name: 'global-pollution',
    note: 'polluting intrinsics for later invocations (Object.prototype, Array.prototype, JSON); each write refused: the intrinsics are frozen',
    source: handler('const tries = [() => { Object.prototype.polluted = "yes" }, () => { Array.prototype.map = () => ["hijacked"] }, () => { JSON.stringify = () => "{\\"hijacked\\":true}" }].map((f) => attempt(f)); return { polluted: ({}).polluted, tries, map: [1].map((x) => x + 1) }'),
    expect: { status: 200 }
  },
  {
    name: 'process-stand-in',
    note: 'the process stand-in (it holds env only): its constructor chain, its prototype, Node process members, and writes meant to reach the next invocation',
    source: handler(`
      const tries = [
        () => process.constructor.constructor("return process")(),
        () => Object.getPrototypeOf(process.env).constructor.constructor("return process")(),
        () => { process.env.LEAK = "x" }, () => { Object.defineProperty(process, "binding", { value: 1 }) },
        () => { Object.getPrototypeOf(process.env).polluted = "yes" }, () => { process.env.__proto__.toString = () => "hijacked" }
      ].map((f) => attempt(f))
      return { tries, keys: Reflect.ownKeys(process), members: [process.pid, process.binding, process.mainModule, process.versions, process.exit, process.kill].map((m) => typeof m), self: pwn(process, event), polluted: ({}).polluted ?? null }`),
    expect: { status: 200 }
  },
  {
    name: 'env-of-others',
    note: 'reading another project\'s or the front\'s variables through the env objects (only this function\'s own are there)',
    source: handler('return { env: { ...process.env }, ctx: { ...context.env }, keys: Object.getOwnPropertyNames(process.env) }'),
    expect: { status: 200 }
  },
  {
    name: 'globals-probe',
    note: 'looking for host objects among the globals: process, require, Buffer, module internals',
    source: handler('const found = [globalThis.process, globalThis.require, globalThis.Buffer, globalThis.global, typeof module === "undefined" ? undefined : module.constructor]; return found.map((p) => pwn(p, event)).concat([Object.getOwnPropertyNames(globalThis).length])'),
    expect: { status: 200 }
  }
]
