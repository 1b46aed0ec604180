import t from 'tap'
import { fixture, startService } from '../helpers/service.js'

const svc = await startService()
t.teardown(() => svc.stop())

const P = 'proj-invoke'
for (const name of ['hello', 'context', 'logs', 'throws', 'bad-results', 'never-settles', 'globals', 'state-leak']) {
  await svc.deploy(P, name, await fixture(`${name}.js`))
}

t.test('a deployed function answers with its result, duration, logs and invocation id', async t => {
  const { status, json } = await svc.invoke(P, 'hello', { name: 'Ada' })
  t.equal(status, 200)
  t.equal(json.success, true)
  t.same(json.result, { message: 'Hello, Ada!', functionName: 'hello' })
  t.type(json.duration, 'number')
  t.ok(json.duration >= 0)
  t.same(json.logs, [])
  t.match(json.invocationId, /^[0-9a-f-]{36}$/)
})

t.test('an empty body is the event {}', async t => {
  const res = await svc.call('POST', `/api/v1/functions/${P}/context`)
  t.equal(res.status, 200)
  t.same(res.json.result.event, {})
})

t.test('any JSON value is an event', async t => {
  for (const event of [[1, 2, 3], 'text', 42, null, { deep: { er: [true] } }]) {
    const { json } = await svc.invoke(P, 'context', event)
    t.same(json.result.event, event)
  }
})

t.test('context carries names, ids, an ISO timestamp and the remaining time', async t => {
  const { json } = await svc.invoke(P, 'context', {})
  const r = json.result
  t.equal(r.functionName, 'context')
  t.equal(r.projectId, P)
  t.equal(r.invocationId, json.invocationId)
  t.equal(new Date(r.timestamp).toISOString(), r.timestamp)
  t.ok(r.remaining > 25000 && r.remaining <= 30000, `remaining ${r.remaining}`)
})

t.test('console output is captured in order with util.format formatting', async t => {
  const { status, json } = await svc.invoke(P, 'logs')
  t.equal(status, 200)
  t.same(json.logs, [
    '[LOG] plain 1 true',
    '[INFO] Ada is 36 years',
    '[WARN] { a: 1, nested: { b: [ 1, 2 ] } }',
    '[ERROR] json {"x":"y"}',
    '[DEBUG] debug line'
  ])
})

t.test('thrown errors, thrown non-errors and rejections are execution errors', async t => {
  const cases: Array<[unknown, string]> = [
    [{}, 'Error: boom'],
    [{ kind: 'string' }, 'plain string thrown'],
    [{ kind: 'object' }, 'custom object'],
    [{ kind: 'reject' }, 'TypeError: rejected with type error'],
    [{ kind: 'reference' }, 'ReferenceError: undefinedVariable is not defined']
  ]
  for (const [event, message] of cases) {
    const { status, json } = await svc.invoke(P, 'throws', event)
    t.equal(status, 500)
    t.equal(json.error, 'Function execution failed')
    t.equal(json.message, message)
    t.same(json.logs, [])
    t.type(json.invocationId, 'string')
    t.notOk(JSON.stringify(json).includes('/work/'), 'no host path leaks')
  }
})

t.test('results that are not JSON-serializable are execution errors; undefined is null', async t => {
  let r = await svc.invoke(P, 'bad-results', { kind: 'bigint' })
  t.equal(r.status, 500)
  t.match(r.json.message, /^TypeError: .*BigInt/)
  r = await svc.invoke(P, 'bad-results', { kind: 'cyclic' })
  t.equal(r.status, 500)
  t.match(r.json.message, /^TypeError: .*circular/i)
  r = await svc.invoke(P, 'bad-results', { kind: 'undefined' })
  t.equal(r.status, 200)
  t.equal(r.json.result, null)
})

t.test('a promise that can never settle fails at once, not at the timeout', async t => {
  const started = Date.now()
  const { status, json } = await svc.invoke(P, 'never-settles')
  t.equal(status, 500)
  t.equal(json.message, 'Function returned a promise that never settled')
  t.ok(Date.now() - started < 10000, 'answered well before the 30 s limit')
})

t.test('the sandbox has no require, Buffer, timers, fetch, eval or wasm, and process is only the env stand-in', async t => {
  const { status, json } = await svc.invoke(P, 'globals')
  t.equal(status, 200)
  const r = json.result
  for (const name of ['require', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'fetch']) t.equal(r[name], 'undefined', name)
  t.equal(r.process, 'object', 'process: the frozen stand-in holding env (test/http/env.test.ts)')
  t.match(r.eval, /^threw /)
  t.match(r.newFunction, /^threw /)
  t.match(r.constructorEscape, /^threw /)
  t.match(r.fnConstructor, /^threw /)
  t.match(r.wasm, /^threw /)
})

t.test('nothing a function sets on its globals is seen by a later invocation', async t => {
  const first = await svc.invoke(P, 'state-leak', { mark: 'one' })
  t.same(first.json.result, { global: null, proto: null, protoWrite: 'TypeError' })
  for (let i = 0; i < 6; i++) {
    const next = await svc.invoke(P, 'state-leak', { mark: `n${i}` })
    t.same(next.json.result, { global: null, proto: null, protoWrite: 'TypeError' })
  }
})

t.test('malformed JSON, oversized bodies, bad names and unknown functions are refused before running', async t => {
  let res = await svc.call('POST', `/api/v1/functions/${P}/hello`, '{"name":')
  t.equal(res.status, 400)
  t.equal(res.json.error, 'Invalid JSON body')
  t.type(res.json.message, 'string')

  res = await svc.call('POST', `/api/v1/functions/${P}/hello`, JSON.stringify({ big: 'x'.repeat(7 * 1024 * 1024) }))
  t.equal(res.status, 413)
  t.same(res.json, { error: 'Payload too large', message: 'the body is over 6291456 bytes' })

  res = await svc.call('POST', '/api/v1/functions/bad.project/hello', {})
  t.same([res.status, res.json], [400, { error: 'Invalid project id' }])
  res = await svc.call('POST', `/api/v1/functions/${P}/${'x'.repeat(65)}`, {})
  t.same([res.status, res.json], [400, { error: 'Invalid function name' }])
  res = await svc.call('POST', `/api/v1/functions/${P}/a%2Fb`, {})
  t.same([res.status, res.json], [400, { error: 'Invalid function name' }])
  res = await svc.call('POST', `/api/v1/functions/${P}/missing`, {})
  t.same([res.status, res.json], [404, { error: 'Function not found' }])
})

t.test('every response carries X-Request-Id, echoing a sane incoming one', async t => {
  let res = await svc.call('GET', '/health', undefined, { 'x-request-id': 'abc-123' })
  t.equal(res.headers.get('x-request-id'), 'abc-123')
  res = await svc.call('GET', '/health', undefined, { 'x-request-id': 'bad id\twith spaces' })
  t.match(res.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  res = await svc.call('GET', '/nope')
  t.same([res.status, res.json], [404, { error: 'Not found' }])
  t.ok(res.headers.get('x-request-id'))
})

t.test('a disabled function answers 403 until enabled again', async t => {
  let res = await svc.call('PATCH', `/api/v1/functions/${P}/hello`, { is_active: false })
  t.equal(res.status, 200)
  t.equal(res.json.function.is_active, false)
  const r = await svc.invoke(P, 'hello', {})
  t.same([r.status, r.json], [403, { error: 'Function is disabled' }])
  res = await svc.call('PATCH', `/api/v1/functions/${P}/hello`, { is_active: true })
  t.equal((await svc.invoke(P, 'hello', {})).status, 200)
})
