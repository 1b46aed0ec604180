import t from 'tap'
import { REDIS_URL, needs } from '../helpers/backends.js'
import { eventually, fixture, startService } from '../helpers/service.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

if (needs('REDIS_URL (cache outage)', REDIS_URL !== undefined) && REDIS_URL !== undefined) {
  const target = new URL(REDIS_URL)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 6379 : target.port) })
  const svc = await startService({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` })
  t.teardown(async () => { await svc.stop(); await proxy.close() })
  const hits = async (): Promise<number> => Number(/functions_code_cache_requests_total\{result="hit"\} (\d+)/.exec((await svc.call('GET', '/metrics')).text)?.[1] ?? 0)

  t.test('Redis unreachable: invocations fall back to storage, one warning; a write during the outage is never undone by the old entry', async t => {
    await svc.deploy('p-cache', 'hello', await fixture('hello.js'))
    t.equal((await svc.invoke('p-cache', 'hello', { name: 'a' })).status, 200)
    t.equal((await svc.invoke('p-cache', 'hello', { name: 'b' })).status, 200, 'now served from Redis')
    await proxy.cut()

    for (let i = 0; i < 5; i++) {
      const r = await svc.invoke('p-cache', 'hello', { name: `down${i}` })
      t.same([r.status, r.json.result.message], [200, `Hello, down${i}!`], 'served from storage while Redis is away')
    }
    // The old version is still in Redis (the server never stopped); this write cannot invalidate it now.
    const patched = await svc.call('PATCH', '/api/functions/p-cache/hello', { code: 'export const handler = async () => "written during the outage"' })
    t.equal(patched.status, 200)
    t.equal((await svc.invoke('p-cache', 'hello', {})).json.result, 'written during the outage')
    t.equal(svc.logs.filter((l) => l.includes('code cache (Redis) unavailable')).length, 1, 'one warning for the outage')

    await proxy.restore()
    t.ok(await eventually(async () => svc.logs.some((l) => l.includes('code cache (Redis) is back'))), 'the cache comes back by itself')
    for (let i = 0; i < 5; i++) t.equal((await svc.invoke('p-cache', 'hello', {})).json.result, 'written during the outage', 'never the version from before the outage')
    const before = await hits()
    await svc.invoke('p-cache', 'hello', {})
    t.ok(await hits() > before, 'and Redis serves hits again')
  })
}
