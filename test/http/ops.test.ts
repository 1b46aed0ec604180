import t from 'tap'
import { eventually, fixture, startService } from '../helpers/service.js'

const svc = await startService()
t.teardown(() => svc.stop())

t.test('/health reports status, uptime, counters, sandboxes and queue', async t => {
  await svc.deploy('p-ops', 'hello', await fixture('hello.js'))
  await svc.deploy('p-ops', 'throws', await fixture('throws.js'))
  await svc.invoke('p-ops', 'hello', {})
  await svc.invoke('p-ops', 'throws', {})
  // A host stays busy until it reports idle, just after the answer: wait for that, boundedly.
  t.ok(await eventually(async () => (await svc.call('GET', '/health')).json.sandboxes.busy === 0))
  const res = await svc.call('GET', '/health')
  t.equal(res.status, 200)
  t.match(res.json, {
    status: 'ok', uptime: Number, totalInvocations: 2, successfulInvocations: 1, failedInvocations: 1,
    sandboxes: { size: Number, busy: 0, restarts: Number }, queue: { depth: 0 }
  })
  t.ok(res.json.sandboxes.size >= 1)
})

t.test('/metrics exposes every contract metric in Prometheus text', async t => {
  const res = await svc.call('GET', '/metrics')
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain/)
  for (const name of [
    'functions_invocations_total', 'functions_invocation_duration_seconds_bucket', 'functions_in_flight', 'functions_queue_depth',
    'functions_sandbox_hosts', 'functions_sandbox_restarts_total', 'functions_code_cache_requests_total', 'functions_http_requests_total',
    'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds'
  ]) t.match(res.text, new RegExp(`^${name}`, 'm'), name)
  t.match(res.text, /functions_invocations_total\{project_id="p-ops",function_name="hello",outcome="success"\} 1/)
  t.match(res.text, /functions_invocations_total\{project_id="p-ops",function_name="throws",outcome="error"\} 1/)
  t.match(res.text, /functions_code_cache_requests_total\{result="hit"\} \d+/)
  t.match(res.text, /functions_sandbox_hosts\{state="idle"\} \d+/)
  t.match(res.text, /functions_http_requests_total\{route="\/api\/v1\/functions\/:projectId\/:functionName",method="POST",status="200"\} 1/)
})

t.test('METRICS_FUNCTION_LABELS=false drops the per-function labels', async t => {
  const lean = await startService({ METRICS_FUNCTION_LABELS: 'false' })
  t.teardown(() => lean.stop())
  await lean.deploy('p-ops', 'hello', await fixture('hello.js'))
  await lean.invoke('p-ops', 'hello', {})
  const text = (await lean.call('GET', '/metrics')).text
  t.match(text, /functions_invocations_total\{outcome="success"\} 1/)
  t.notMatch(text, /function_name=/)
})
