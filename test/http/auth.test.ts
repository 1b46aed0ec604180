import t from 'tap'
import { fixture, startService } from '../helpers/service.js'

const ADMIN = 'admin-token-0123456789abcdef'
const INVOKE = 'invoke-token-0123456789abcdef'
const METRICS = 'metrics-token-0123456789abcdef'
const svc = await startService({ ADMIN_TOKEN: ADMIN, INVOKE_TOKEN: INVOKE, METRICS_TOKEN: METRICS })
t.teardown(() => svc.stop())
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

t.test('management needs the admin token: 401 with WWW-Authenticate otherwise', async t => {
  const code = await fixture('hello.js')
  for (const headers of [{}, bearer('wrong-token'), bearer(INVOKE), { authorization: ADMIN }]) {
    const res = await svc.call('PUT', '/api/functions/p-auth/hello', { code }, headers)
    t.same([res.status, res.json], [401, { error: 'Unauthorized' }])
    t.equal(res.headers.get('www-authenticate'), 'Bearer')
  }
  t.equal((await svc.call('PUT', '/api/functions/p-auth/hello', { code }, bearer(ADMIN))).status, 201)
  for (const [method, path] of [
    ['GET', '/api/v1/functions/p-auth/hello'], ['GET', '/api/v1/projects/p-auth/functions'], ['GET', '/api/functions/p-auth/hello/code'],
    ['GET', '/api/functions/projects/p-auth'], ['DELETE', '/api/functions/p-auth/hello']
  ] as const) {
    t.equal((await svc.call(method, path)).status, 401, `${method} ${path} without a token`)
  }
  t.equal((await svc.call('PATCH', '/api/v1/functions/p-auth/hello', { is_active: true })).status, 401)
  t.equal((await svc.call('GET', '/api/v1/functions/p-auth/hello', undefined, bearer(ADMIN))).status, 200)
})

t.test('invocation needs the invoke token; the admin token is accepted too', async t => {
  t.equal((await svc.call('POST', '/api/v1/functions/p-auth/hello', {})).status, 401)
  t.equal((await svc.call('POST', '/api/v1/functions/p-auth/hello', {}, bearer(ADMIN + 'x'))).status, 401)
  t.equal((await svc.call('POST', '/api/v1/functions/p-auth/hello', {}, bearer(INVOKE))).status, 200)
  t.equal((await svc.call('POST', '/api/v1/functions/p-auth/hello', {}, bearer(ADMIN))).status, 200)
})

t.test('/health is public; /metrics needs its token', async t => {
  t.equal((await svc.call('GET', '/health')).status, 200)
  t.equal((await svc.call('GET', '/metrics')).status, 401)
  t.equal((await svc.call('GET', '/metrics', undefined, bearer(ADMIN))).status, 401)
  const res = await svc.call('GET', '/metrics', undefined, bearer(METRICS))
  t.equal(res.status, 200)
  t.match(res.text, /functions_invocations_total/)
})

t.test('tokens never appear in the service log', async t => {
  const all = svc.logs.join('\n')
  for (const token of [ADMIN, INVOKE, METRICS]) t.notOk(all.includes(token))
})
