import t from 'tap'
import { eventually, fixture, startService } from '../helpers/service.js'

// Small limits so the test is quick: 2 s function timeout, 48 MB heaps, 1 queue slot per host.
const svc = await startService({ SANDBOX_POOL_SIZE: '2', SANDBOX_MEMORY_MB: '48', MAX_LOG_LINES: '50', MAX_LOG_BYTES: '2048' })
t.teardown(() => svc.stop())

const P = 'proj-limits'
await svc.deploy(P, 'spin', await fixture('spin.js'), { timeout_ms: 1500 })
await svc.deploy(P, 'hello', await fixture('hello.js'))
await svc.deploy(P, 'memory-bomb', await fixture('memory-bomb.js'), { timeout_ms: 20000 })
await svc.deploy(P, 'log-flood', await fixture('log-flood.js'))

const health = async (): Promise<any> => (await svc.call('GET', '/health')).json

t.test('a synchronous loop is killed at its deadline with the logs captured before it', async t => {
  const before = await health()
  const started = Date.now()
  const { status, json } = await svc.invoke(P, 'spin', {})
  t.equal(status, 504)
  t.equal(json.error, 'Function execution timeout')
  t.equal(json.message, 'Function execution timeout (1500ms)')
  t.same(json.logs, ['[LOG] about to spin'])
  t.ok(Date.now() - started < 15000, 'did not hang')
  t.ok(await eventually(async () => (await health()).sandboxes.restarts > before.sandboxes.restarts), 'the host was replaced')
})

t.test('a microtask loop is killed at its deadline too', async t => {
  const { status, json } = await svc.invoke(P, 'spin', { kind: 'microtask' })
  t.equal(status, 504)
  t.same(json.logs, ['[LOG] about to spin'])
})

t.test('invocations running beside a timeout kill all succeed', async t => {
  const spinning = svc.invoke(P, 'spin', {})
  const others = await Promise.all(Array.from({ length: 40 }, (_, i) => svc.invoke(P, 'hello', { name: `n${i}` })))
  for (const [i, r] of others.entries()) {
    t.equal(r.status, 200)
    t.equal(r.json.result.message, `Hello, n${i}!`)
  }
  t.equal((await spinning).status, 504)
  t.equal((await svc.invoke(P, 'hello', {})).status, 200, 'the service still answers after the kill')
})

t.test('a function that exhausts its heap fails with the memory message and its host is replaced', async t => {
  const { status, json } = await svc.invoke(P, 'memory-bomb', {})
  t.equal(status, 500)
  t.equal(json.error, 'Function execution failed')
  t.equal(json.message, 'Function exceeded memory limit (48 MB)')
  t.equal((await svc.invoke(P, 'hello', {})).status, 200)
})

t.test('log capture stops at the line limit with a truncation line', async t => {
  const { status, json } = await svc.invoke(P, 'log-flood', { lines: 500 })
  t.equal(status, 200)
  t.ok(json.logs.length <= 51, `${json.logs.length} lines`)
  t.equal(json.logs.at(-1), '[WARN] Log output truncated')
  t.equal(json.logs[0], '[LOG] line 0 xxxxxxxxxx')
})

t.test('log capture stops at the byte limit with a truncation line', async t => {
  const { json } = await svc.invoke(P, 'log-flood', { lines: 40, width: 200 })
  t.equal(json.logs.at(-1), '[WARN] Log output truncated')
  const bytes = json.logs.slice(0, -1).reduce((n: number, l: string) => n + Buffer.byteLength(l), 0)
  t.ok(bytes <= 2048, `${bytes} bytes kept`)
})

t.test('health counters add up after successes and failures', async t => {
  t.ok(await eventually(async () => (await health()).sandboxes.busy === 0))
  const h = await health()
  t.equal(h.status, 'ok')
  t.equal(h.successfulInvocations + h.failedInvocations, h.totalInvocations)
  t.ok(h.failedInvocations >= 4)
  t.equal(h.sandboxes.busy, 0)
  t.equal(h.queue.depth, 0)
})
