import t from 'tap'
import { DATABASE_URL, REDIS_URL, needs } from '../helpers/backends.js'
import { eventually, fixture, startInstances } from '../helpers/service.js'

// Many instances behind a load balancer share PostgreSQL and Redis; this needs both (embedded stores are per process).
if (needs('DATABASE_URL and REDIS_URL (instances sharing them)', DATABASE_URL !== undefined && REDIS_URL !== undefined)) {
  const [a, b] = await startInstances('shared', (fn) => { t.teardown(fn) })

  t.test('a deploy, update, disable and delete on one instance is seen by the very next invocation on the other', async t => {
    await a.deploy('p-shared', 'hello', await fixture('hello.js'))
    t.equal((await b.invoke('p-shared', 'hello', { name: 'B' })).json.result.message, 'Hello, B!')
    await a.call('PATCH', '/api/functions/p-shared/hello', { code: 'export const handler = async () => "v2"' })
    t.equal((await b.invoke('p-shared', 'hello', {})).json.result, 'v2')
    await a.call('PUT', '/api/functions/p-shared/hello', { code: 'export const handler = async () => "v3"' })
    t.equal((await b.invoke('p-shared', 'hello', {})).json.result, 'v3')
    await a.call('PATCH', '/api/v1/functions/p-shared/hello', { is_active: false })
    t.equal((await b.invoke('p-shared', 'hello', {})).status, 403)
    await b.call('PATCH', '/api/v1/functions/p-shared/hello', { is_active: true })
    t.equal((await a.invoke('p-shared', 'hello', {})).status, 200)
    await a.call('DELETE', '/api/functions/p-shared/hello')
    t.equal((await b.invoke('p-shared', 'hello', {})).status, 404)
  })

  t.test('counts from 1,000 invocations spread over both instances add up exactly', async t => {
    await a.deploy('p-shared', 'count', 'export const handler = async () => 1')
    for (let batch = 0; batch < 50; batch++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ((batch + i) % 2 === 0 ? a : b).invoke('p-shared', 'count', {})))
      for (const r of results) if (r.status !== 200) t.fail(`invocation answered ${r.status}`)
    }
    // Each instance flushes its own batch within COUNT_FLUSH_MS; the sum lands in the shared row.
    t.ok(await eventually(async () => {
      const [ra, rb] = await Promise.all([a.call('GET', '/api/functions/p-shared/count'), b.call('GET', '/api/functions/p-shared/count')])
      return ra.json.function.invocation_count === 1000 && rb.json.function.invocation_count === 1000
    }), 'both instances report 1000')
  })
}

if (needs('DATABASE_URL and REDIS_URL (variables across instances)', DATABASE_URL !== undefined && REDIS_URL !== undefined)) {
  const [a, b] = await startInstances('sharedenv', (fn) => { t.teardown(fn) })
  t.test('a variable set on one instance is seen by the very next invocation on the other', async t => {
    await a.deploy('p-env', 'reader', 'export const handler = async () => process.env.MODE ?? null')
    t.equal((await b.invoke('p-env', 'reader')).json.result, null)
    t.equal((await a.call('PUT', '/api/projects/p-env/env/MODE', { value: 'project' })).status, 201)
    t.equal((await b.invoke('p-env', 'reader')).json.result, 'project')
    t.equal((await a.call('PUT', '/api/functions/p-env/reader/env/MODE', { value: 'function' })).status, 201)
    t.equal((await b.invoke('p-env', 'reader')).json.result, 'function')
    t.equal((await a.call('DELETE', '/api/functions/p-env/reader/env/MODE')).status, 200)
    t.equal((await b.invoke('p-env', 'reader')).json.result, 'project')
  })
}
