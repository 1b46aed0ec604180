import t from 'tap'
import { DATABASE_URL, REDIS_URL, needs } from '../helpers/backends.js'
import { startInstances } from '../helpers/service.js'

const WHO = 'export const handler = async (event, context) => ({ fn: context.functionName, params: event.pathParameters })'

// Instances are stateless behind a load balancer: each keeps its own route tables, and only the shared PostgreSQL
// and Redis can tell it that another instance changed a project's routes.
if (needs('DATABASE_URL and REDIS_URL (site routes across instances)', DATABASE_URL !== undefined && REDIS_URL !== undefined)) {
  const [a, b] = await startInstances('sites', (fn) => { t.teardown(fn) })
  const fnAt = async (svc: typeof a, path: string): Promise<unknown> => {
    const res = await svc.call('GET', `/sites/p-sites${path}`)
    return res.status === 200 ? res.json.fn : res.status
  }

  t.test('a route change on one instance is seen by the very next request on the other', async t => {
    await a.deploy('p-sites', 'user', WHO, { file_path: 'api/users/[id].js' })
    t.equal(await fnAt(b, '/api/users/me'), 'user', 'b builds and keeps its table')
    t.equal(await fnAt(b, '/api/users/me'), 'user')
    await a.deploy('p-sites', 'me', WHO, { file_path: 'api/users/me.js' })
    t.equal(await fnAt(b, '/api/users/me'), 'me', 'a deploy on a')
    await b.call('PATCH', '/api/functions/p-sites/me', { file_path: 'api/users/self.js' })
    t.equal(await fnAt(a, '/api/users/me'), 'user', 'an update on b')
    t.equal(await fnAt(a, '/api/users/self'), 'me')
    await a.call('DELETE', '/api/functions/p-sites/me')
    t.equal(await fnAt(b, '/api/users/self'), 'user', 'a delete on a')
  })

  t.test('two instances deploying rival routes at once: exactly one wins, the other gets 409', async t => {
    for (let round = 0; round < 5; round++) {
      const [ra, rb] = await Promise.all([
        a.call('PUT', `/api/functions/p-sites/left${round}`, { code: WHO, file_path: `api/race${round}.js` }),
        b.call('PUT', `/api/functions/p-sites/right${round}`, { code: WHO, file_path: `api/race${round}/index.js` })
      ])
      t.same([ra.status, rb.status].sort(), [201, 409], `round ${round}`)
      const winner = ra.status === 201 ? `left${round}` : `right${round}`
      t.match((ra.status === 409 ? ra : rb).json.message, new RegExp(`already served by function "${winner}"`))
      t.equal(await fnAt(a, `/api/race${round}`), winner)
      t.equal(await fnAt(b, `/api/race${round}`), winner)
    }
  })
}
