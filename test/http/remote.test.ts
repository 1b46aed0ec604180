import t from 'tap'
import { REDIS_URL } from '../helpers/backends.js'
import { fixture, startService } from '../helpers/service.js'

// An execution node (API_ENDPOINT) runs functions it reads from another instance's management API, holding no
// database credentials. With a Redis shared with the upstream, the upstream's writes invalidate its cache too.
const ADMIN = 'admin-token-remote-0123456789'
const prefix = `fn-test:remote${process.pid}`
// Both hold the same SECRETS_KEY: the node receives secrets only sealed and opens them itself.
const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64')
const upstream = await startService({ ADMIN_TOKEN: ADMIN, REDIS_PREFIX: prefix, SECRETS_KEY })
const node = await startService({ ADMIN_TOKEN: ADMIN, API_ENDPOINT: upstream.url, DATABASE_URL: '', REDIS_PREFIX: prefix, SECRETS_KEY })
t.teardown(async () => { await node.stop(); await upstream.stop() })
const admin = { authorization: `Bearer ${ADMIN}` }

t.test('functions deployed upstream run on the execution node, and read the same', async t => {
  const code = await fixture('hello.js')
  await upstream.deploy('p-remote', 'hello', code)
  const r = await node.invoke('p-remote', 'hello', { name: 'edge' })
  t.same([r.status, r.json.result.message], [200, 'Hello, edge!'])
  const meta = await node.call('GET', '/api/functions/p-remote/hello', undefined, admin)
  t.same(meta.json.function, (await upstream.call('GET', '/api/functions/p-remote/hello', undefined, admin)).json.function)
  t.equal((await node.call('GET', '/api/functions/p-remote/hello/code', undefined, admin)).text, code)
  t.equal((await node.call('GET', '/api/v1/projects/p-remote/functions', undefined, admin)).json.count, 1)
  t.same([(await node.invoke('p-remote', 'missing', {})).status], [404])
})

t.test('the execution node runs functions with the upstream\'s variables, and refuses to write them', async t => {
  await upstream.deploy('p-remote-env', 'reader', 'export const handler = async () => [process.env.LEVEL, process.env.OWN, process.env.KEY]', { env: { OWN: 'own' }, secrets: { KEY: 'secret-value-1' } })
  t.equal((await upstream.call('PUT', '/api/projects/p-remote-env/env/LEVEL', { value: 'project' }, admin)).status, 201)
  const r = await node.invoke('p-remote-env', 'reader', {})
  t.same([r.status, r.json.result], [200, ['project', 'own', 'secret-value-1']], 'the secret arrived sealed and opened here')
  for (const [method, path] of [['PUT', '/api/projects/p-remote-env/env/X'], ['DELETE', '/api/projects/p-remote-env/env/LEVEL'], ['PUT', '/api/functions/p-remote-env/reader/env/X']] as const) {
    const res = await node.call(method, path, method === 'PUT' ? { value: '1' } : undefined, admin)
    t.same([res.status, res.json.error], [405, 'Read-only instance'], `${method} ${path}`)
  }
  t.same((await node.call('GET', '/api/projects/p-remote-env/env', undefined, admin)).json.count, 1)
})

t.test('management writes on the execution node are refused, naming the upstream', async t => {
  for (const [method, path, body] of [
    ['PUT', '/api/functions/p-remote/hello', { code: 'export const handler = async () => 1' }],
    ['PATCH', '/api/v1/functions/p-remote/hello', { is_active: false }],
    ['DELETE', '/api/functions/p-remote/hello', undefined]
  ] as const) {
    const res = await node.call(method, path, body, admin)
    t.equal(res.status, 405, `${method} ${path}`)
    t.equal(res.json.error, 'Read-only instance')
    t.match(res.json.message, upstream.url)
  }
  t.equal((await node.invoke('p-remote', 'hello', {})).status, 200, 'and nothing changed')
})

t.test('with a shared Redis, an upstream update is what the next invocation on the node runs', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, async t => {
  await upstream.call('PATCH', '/api/functions/p-remote/hello', { code: 'export const handler = async () => "updated upstream"' }, admin)
  t.equal((await node.invoke('p-remote', 'hello', {})).json.result, 'updated upstream')
})
