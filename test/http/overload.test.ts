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
  t.same(res.json, { error: 'Service overloaded' })
  t.ok(Number(res.headers.get('retry-after')) >= 1)
  t.equal((await busy).status, 504)
  t.equal((await queued).status, 200)
  const metrics = (await svc.call('GET', '/metrics')).text
  t.match(metrics, /functions_invocations_total\{project_id="proj-q",function_name="hello",outcome="rejected"\} 1/)
})
