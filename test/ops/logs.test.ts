import t from 'tap'
import { eventually, startService } from '../helpers/service.js'

// Structured logs through the real service: one JSON object per line, and every invocation's lines carry the
// request id the client saw, the function, the invocation id, and (when it ends) the duration and outcome.

t.test('LOG_FORMAT=json: invocation lines carry requestId, projectId, functionName, invocationId, duration, outcome', async t => {
  const svc = await startService({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' })
  t.teardown(() => svc.stop())
  await svc.deploy('logs', 'ok', 'export async function handler () { return 1 }')
  await svc.deploy('logs', 'bad', 'export async function handler () { throw new TypeError("nope") }')

  const ok = await svc.call('POST', '/api/v1/functions/logs/ok', {}, { 'x-request-id': 'req-ok-1' })
  t.equal(ok.status, 200)
  const bad = await svc.call('POST', '/api/v1/functions/logs/bad', {}, { 'x-request-id': 'req-bad-1' })
  t.equal(bad.status, 500)

  const entries = svc.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
  for (const e of entries) {
    t.type(e.time, 'string')
    t.ok(['debug', 'info', 'warn', 'error'].includes(e.level as string), `level ${String(e.level)}`)
    t.type(e.msg, 'string')
  }
  const okLines = entries.filter((e) => e.requestId === 'req-ok-1')
  t.same(okLines.map((e) => e.msg), ['Function invocation: logs/ok', `Function succeeded: logs/ok (${String(ok.json.duration)}ms)`])
  const done = okLines[1] as Record<string, unknown>
  t.match(done, { level: 'info', projectId: 'logs', functionName: 'ok', invocationId: ok.json.invocationId, outcome: 'success' })
  t.type(done.duration, 'number')

  const failed = entries.find((e) => e.requestId === 'req-bad-1' && e.level === 'warn')
  t.match(failed, { projectId: 'logs', functionName: 'bad', invocationId: bad.json.invocationId, outcome: 'error', message: 'TypeError: nope' })
  t.type(failed?.duration, 'number')
})

t.test('the text form and LOG_LEVEL: seed-style lines, and nothing below the level', async t => {
  const svc = await startService({ LOG_FORMAT: 'text', LOG_LEVEL: 'warn' })
  t.teardown(() => svc.stop())
  await svc.deploy('logs', 'bad', 'export async function handler () { throw new Error("boom") }')
  await svc.deploy('logs', 'ok', 'export async function handler () { return 1 }')
  await svc.call('POST', '/api/v1/functions/logs/ok', {}, { 'x-request-id': 'req-text-ok' })
  await svc.call('POST', '/api/v1/functions/logs/bad', {}, { 'x-request-id': 'req-text-1' })
  const line = svc.logs.find((l) => l.includes('req-text-1'))
  t.match(line, /^\[FUNCTIONS\] \[WARN\] Function failed: logs\/bad \([\d.]+ms\) requestId=req-text-1 projectId=logs functionName=bad invocationId=[\w-]+ duration=[\d.]+ outcome=error reason=error message="Error: boom"$/)
  t.notOk(svc.logs.some((l) => l.includes('[INFO]') || l.includes('[DEBUG]')), 'no info or debug line at LOG_LEVEL=warn')
  t.notOk(svc.logs.some((l) => l.includes('req-text-ok')), 'a success logs at info, so not at all here')
})

t.test('LOG_FORMAT=json: a timeout and a rejection say so in outcome, with the request they answered', async t => {
  // One host and no queue: while it spins, the next invocation is refused (503) before reaching a sandbox.
  const svc = await startService({ LOG_FORMAT: 'json', LOG_LEVEL: 'info', SANDBOX_POOL_SIZE: '1', SANDBOX_SPARES: '0', MAX_QUEUE: '0' })
  t.teardown(() => svc.stop())
  await svc.deploy('logs', 'spin', 'export async function handler () { while (true) {} }', { timeout_ms: 500 })
  await svc.deploy('logs', 'ok', 'export async function handler () { return 1 }')
  const spinning = svc.call('POST', '/api/v1/functions/logs/spin', {}, { 'x-request-id': 'req-spin' })
  t.ok(await eventually(async () => svc.logs.some((l) => l.includes('"msg":"Function invocation: logs/spin"'))), 'the spin started')
  const refused = await svc.call('POST', '/api/v1/functions/logs/ok', {}, { 'x-request-id': 'req-refused' })
  t.equal(refused.status, 503)
  const timedOut = await spinning
  t.equal(timedOut.status, 504)

  const entries = svc.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
  const rejected = entries.find((e) => e.requestId === 'req-refused' && e.outcome !== undefined)
  t.match(rejected, { level: 'warn', projectId: 'logs', functionName: 'ok', invocationId: String, outcome: 'rejected' })
  const timeout = entries.find((e) => e.requestId === 'req-spin' && e.outcome !== undefined)
  t.match(timeout, { level: 'warn', projectId: 'logs', functionName: 'spin', invocationId: timedOut.json.invocationId, outcome: 'timeout', message: 'Function execution timeout (500ms)' })
  t.ok((timeout?.duration as number) >= 500, `duration ${String(timeout?.duration)} ms covers the deadline`)
})
