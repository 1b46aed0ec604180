import t from 'tap'
import { fixture, startService } from '../helpers/service.js'

t.test('a full queue answers 503 with Retry-After, and queued work still runs', async t => {
  const svc = await startService({ SANDBOX_POOL_SIZE: '1', MAX_QUEUE: '1' })
  t.teardown(() => svc.stop())
  await svc.deploy('proj-q', 'spin', await fixture('spin.js'), { timeout_ms: 1500 })
  await svc.deploy('proj-q', 'hello', await fixture('hello.js'))
  const busy = svc.invoke('proj-q', 'spin', {})
  await new Promise((resolve) => setTimeout(resolve, 300))
  const queued = svc.invoke('proj-q', 'hello', {})
  await new Promise((resolve) => setTimeout(resolve, 100))
  const res = await svc.call('POST', '/api/v1/functions/proj-q/hello', {})
  t.equal(res.status, 503)
  t.same(res.json, { error: 'Service overloaded', message: 'the queue is full (MAX_QUEUE 1)' })
  t.ok(Number(res.headers.get('retry-after')) >= 1)
  t.equal((await busy).status, 504)
  t.equal((await queued).status, 200)
  const metrics = (await svc.call('GET', '/metrics')).text
  t.match(metrics, /functions_invocations_total\{project_id="proj-q",function_name="hello",outcome="rejected"\} 1/)
})

t.test('invocations queued behind busy hosts wait for one (QUEUE_TIMEOUT_MS), not for their own timeout', async t => {
  // Ten at once on two hosts, each 400 ms of work under a 1.5 s limit: the last ones wait about 1.6 s for a host,
  // longer than their limit on running, and must still be run (the queue is nowhere near MAX_QUEUE).
  const svc = await startService({ SANDBOX_POOL_SIZE: '2' })
  t.teardown(() => svc.stop())
  await svc.deploy('proj-wait', 'slow', await fixture('slow.js'), { timeout_ms: 1500 })
  const answers = await Promise.all(Array.from({ length: 10 }, async () => await svc.invoke('proj-wait', 'slow', { ms: 400 })))
  t.same(answers.map((a) => a.status), Array(10).fill(200), JSON.stringify(answers.filter((a) => a.status !== 200)))
})

t.test('past QUEUE_TIMEOUT_MS a queued invocation gets 503 naming that limit', async t => {
  const svc = await startService({ SANDBOX_POOL_SIZE: '1', QUEUE_TIMEOUT_MS: '300' })
  t.teardown(() => svc.stop())
  await svc.deploy('proj-qt', 'spin', await fixture('spin.js'), { timeout_ms: 1500 })
  await svc.deploy('proj-qt', 'hello', await fixture('hello.js'))
  const busy = svc.invoke('proj-qt', 'spin', {})
  await new Promise((resolve) => setTimeout(resolve, 200))
  const res = await svc.call('POST', '/api/v1/functions/proj-qt/hello', {})
  t.equal(res.status, 503)
  t.same(res.json, { error: 'Service overloaded', message: 'no sandbox host was free within QUEUE_TIMEOUT_MS (300 ms)' })
  t.equal(res.headers.get('retry-after'), '1')
  t.equal((await busy).status, 504)
})
