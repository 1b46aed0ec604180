import t from 'tap'
import { DATABASE_URL, dropSchema, needs } from '../helpers/backends.js'
import { eventually, fixture, startService } from '../helpers/service.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

if (needs('DATABASE_URL (storage outage)', DATABASE_URL !== undefined) && DATABASE_URL !== undefined) {
  const target = new URL(DATABASE_URL)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 5432 : target.port) })
  const through = new URL(DATABASE_URL)
  through.hostname = '127.0.0.1'
  through.port = String(proxy.port)
  const schema = `outage_${process.pid}`
  // The cache is in-process here, so "cached" means this instance already ran the function.
  const svc = await startService({ DATABASE_URL: through.toString(), DATABASE_SCHEMA: schema, REDIS_URL: '' })
  t.teardown(async () => { await svc.stop(); await proxy.close(); await dropSchema(schema) })

  t.test('PostgreSQL unreachable: health degraded, management 503, cached invocations still served; then recovery', async t => {
    await svc.deploy('p-out', 'hello', await fixture('hello.js'))
    t.equal((await svc.invoke('p-out', 'hello', { name: 'before' })).status, 200)
    await proxy.cut()

    const health = await svc.call('GET', '/health')
    t.equal(health.status, 503)
    t.equal(health.json.status, 'degraded')
    t.match(health.json.reason, /storage unreachable/)

    const started = Date.now()
    const manage = await svc.call('GET', '/api/functions/p-out/hello')
    t.same([manage.status, manage.json], [503, { error: 'Storage unavailable' }])
    t.ok(Date.now() - started < 15000, 'the management call did not hang')

    const cached = await svc.invoke('p-out', 'hello', { name: 'during' })
    t.same([cached.status, cached.json.result.message], [200, 'Hello, during!'], 'the cached function keeps working')
    t.equal((await svc.invoke('p-out', 'never-deployed', {})).status, 503, 'an uncached lookup answers 503, not 500')

    await proxy.restore()
    t.ok(await eventually(async () => (await svc.call('GET', '/health')).status === 200), 'health is ok again once storage returns')
    const after = await svc.call('GET', '/api/functions/p-out/hello')
    t.equal(after.status, 200)
    t.ok(await eventually(async () => (await svc.call('GET', '/api/functions/p-out/hello')).json.function.invocation_count === 2),
      'the count of the invocation served during the outage was kept and written on recovery')
  })
}
