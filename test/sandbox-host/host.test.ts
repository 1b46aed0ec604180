import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SANDBOX_HOST_FLAGS, SANDBOX_HOST_SCRIPT } from '../../core/app.js'
import { compileSource } from '../../core/compile/compile-source.js'
import { chooseHostLaunch } from '../../core/supervisor/host-launch.js'
import type { ChildMessage } from '../../sandbox-host/protocol.js'
import '../helpers/clean-spawn.js'

/** A real sandbox host, spoken to over IPC exactly as the supervisor does. */
function startHost (): { child: ChildProcess, run: (source: string, event?: unknown) => Promise<{ result: ChildMessage, logs: string[] }> } {
  const child = fork(SANDBOX_HOST_SCRIPT, [JSON.stringify({ maxLogLines: 20, maxLogBytes: 4096, maxResultBytes: 4096 })], {
    env: {}, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=64', ...SANDBOX_HOST_FLAGS]
  })
  t.teardown(() => { child.kill('SIGKILL') })
  const messages: ChildMessage[] = []
  const waiters: Array<() => void> = []
  child.on('message', (m: ChildMessage) => { messages.push(m); for (const w of waiters.splice(0)) w() })
  const next = async (pred: (m: ChildMessage) => boolean): Promise<ChildMessage> => {
    for (;;) {
      const i = messages.findIndex(pred)
      if (i >= 0) return messages.splice(i, 1)[0] as ChildMessage
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  const ready = next((m) => m.type === 'ready')
  let n = 0
  return {
    child,
    async run (source, event = {}) {
      await ready
      const c = compileSource(source, 'api/f.js')
      if (!c.ok) throw new Error(c.message)
      const id = `i${++n}`
      child.send({ type: 'invoke', id, sha256: c.sha256, code: c.compiled, filePath: 'api/f.js', event: JSON.stringify(event), context: { functionName: 'f', projectId: 'p', invocationId: id, timestamp: new Date().toISOString(), timeoutMs: 5000 }, envId: 1, env: '{}' })
      const result = await next((m) => m.type === 'result' && m.id === id)
      const logs = messages.filter((m) => m.type === 'log' && m.id === id).map((m) => (m as { line: string }).line)
      return { result, logs }
    }
  }
}

t.test('a host answers, formats logs, and keeps invocations apart', async t => {
  const host = startHost()
  const { result, logs } = await host.run(`export async function handler (e, c) {
    console.log("got", e)
    globalThis.mark = 1
    let polluted = 'written'
    try { Object.prototype.polluted = 1 } catch (err) { polluted = err.name + ': ' + err.message }
    return { name: c.functionName, mark, polluted }
  }`, { x: 1 })
  // The intrinsics are frozen (realm-lockdown.ts): a write to one fails as in any frozen object, in strict code loudly.
  t.match(result, { type: 'result', ok: true, result: '{"name":"f","mark":1,"polluted":"TypeError: Cannot add property polluted, object is not extensible"}' })
  t.same(logs, ['[LOG] got { x: 1 }'])
  const second = await host.run('export async function handler () { return [typeof mark, typeof globalThis.mark, ({}).polluted === undefined] }')
  t.match(second.result, { ok: true, result: '["undefined","undefined",true]' })
})

t.test('a host ignores the platform\'s SIGTERM and survives unhandled rejections', async t => {
  const host = startHost()
  await host.run('export async function handler () { Promise.reject(new Error("nobody listens")); return 1 }')
  host.child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(host.child.exitCode, null)
  t.match((await host.run('export async function handler () { return 2 }')).result, { ok: true, result: '2' })
})

t.test('logging at the stack limit gives the realm its own error, never a host one', async t => {
  const host = startHost()
  const source = `export async function handler () {
    let caught
    const dive = () => { try { dive() } catch (e) { if (caught === undefined) { console.log('deep'); caught = e } } }
    dive()
    return [caught instanceof RangeError, Object.getPrototypeOf(caught) === RangeError.prototype, caught.constructor === RangeError]
  }`
  t.match((await host.run(source)).result, { ok: true, result: '[true,true,true]' })
})

t.test('stack traces hold only the function\'s own frames; prepareStackTrace cannot be replaced', async t => {
  const host = startHost()
  const { result } = await host.run(`export async function handler () {
    let refused = false
    try { Error.prepareStackTrace = (e, frames) => frames } catch (e) { refused = e instanceof TypeError }
    const err = new Error('where am I')
    return { stack: err.stack, replaced: typeof err.stack !== 'string', refused }
  }`)
  t.match(result, { ok: true })
  const parsed = JSON.parse((result as { result: string }).result)
  t.equal(parsed.replaced, false)
  t.equal(parsed.refused, true)
  t.match(parsed.stack, /^Error: where am I\n {4}at handler \(api\/f\.js:4:17\)/)
  t.notMatch(parsed.stack, /\/work|file:|node:|sandbox-host/)
})

t.test('an escaped host can read no files, write none, start nothing and reach no network', async t => {
  // Layers 2 on their own: a host-like child under the same launch (network namespace, uid) and flags tries what an
  // escaped function would, with `process` in hand. A TCP listener on loopback proves no connection arrives.
  const listener = net.createServer((socket) => { connections++; socket.destroy() })
  let connections = 0
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { listener.close() })
  const port = (listener.address() as net.AddressInfo).port
  const launch = chooseHostLaunch({ isolateNetwork: true, memoryMb: 64 })
  const script = fileURLToPath(new URL('../fixtures/hosts/escaped.js', import.meta.url))
  const probe = fork(script, [String(port)], {
    env: {},
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...(launch.execPath !== undefined ? { execPath: launch.execPath } : {}),
    execArgv: [...launch.prefixArgs, ...SANDBOX_HOST_FLAGS, `--allow-fs-read=${script}`]
  })
  t.teardown(() => { probe.kill('SIGKILL') })
  const report = await new Promise<Record<string, string>>((resolve) => {
    probe.once('message', resolve as never)
    probe.once('exit', (code) => { resolve({ exited: String(code) }) })
  })
  t.match(report, { readFile: 'ERR_ACCESS_DENIED', writeFile: 'ERR_ACCESS_DENIED', spawn: 'ERR_ACCESS_DENIED', env: '0' })
  t.notOk(existsSync('/tmp/sandbox-canary'), 'the canary file was not written')
  if (launch.isolation.network) {
    t.not(report.connect, 'connected')
    t.equal(connections, 0, 'the loopback listener saw no connection')
    if (process.getuid?.() === 0) t.equal(report.uid, '65534', 'the host runs as nobody')
  } else {
    t.comment(`network isolation unavailable here: ${launch.warnings.join('; ')}`)
  }
})
