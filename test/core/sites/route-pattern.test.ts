import t from 'tap'
import { parseRoute, routeKeyOf } from '../../../core/sites/route-pattern.js'

t.test('file paths become routes as static-site hosts read them', async t => {
  const cases: Array<[string, string, string]> = [
    // file_path, route, key
    ['api/hello.js', '/api/hello', 'api/hello'],
    ['api/hello.ts', '/api/hello', 'api/hello'],
    ['api/hello.mjs', '/api/hello', 'api/hello'],
    ['api/hello.cjs', '/api/hello', 'api/hello'],
    ['api/hello/index.js', '/api/hello', 'api/hello'],
    ['api/index.ts', '/api', 'api'],
    ['index.js', '/', ''],
    ['api/hello.v2.js', '/api/hello.v2', 'api/hello.v2'],
    ['api/users/[id].js', '/api/users/[id]', 'api/users/[]'],
    ['api/users/[id]/posts/[postId].js', '/api/users/[id]/posts/[postId]', 'api/users/[]/posts/[]'],
    ['api/users/[id]/index.js', '/api/users/[id]', 'api/users/[]'],
    ['api/files/[...path].js', '/api/files/[...path]', 'api/files/[...]'],
    ['api/files/[...path]/index.ts', '/api/files/[...path]', 'api/files/[...]']
  ]
  for (const [filePath, route, key] of cases) {
    const parsed = parseRoute(filePath)
    t.ok(parsed.ok, filePath)
    if (parsed.ok) t.same([parsed.pattern.route, parsed.pattern.key], [route, key], filePath)
    t.equal(routeKeyOf(filePath), key)
  }
})

t.test('parameter names do not make routes different; static text and kinds do', async t => {
  t.equal(routeKeyOf('api/users/[id].js'), routeKeyOf('api/users/[uid].ts'))
  t.equal(routeKeyOf('api/files/[...a].js'), routeKeyOf('api/files/[...b].js'))
  t.not(routeKeyOf('api/users/[id].js'), routeKeyOf('api/users/[...id].js'))
  t.not(routeKeyOf('api/Users.js'), routeKeyOf('api/users.js'), 'case-sensitive')
})

t.test('file paths that cannot be routes say why', async t => {
  const cases: Array<[string, RegExp]> = [
    ['api/hello.json', /does not end in/],
    ['api/[id.js', /neither plain/],
    ['api/a[id].js', /neither plain/],
    ['api/[].js', /neither plain/],
    ['api/[...rest]/more.js', /must be the last/],
    ['api/[id]/[id].js', /appears twice/],
    ['api//x.js', /empty/],
    ['api/../x.js', /"\.\."/],
    ['api/x y.js', /neither plain/]
  ]
  for (const [filePath, reason] of cases) {
    const parsed = parseRoute(filePath)
    t.notOk(parsed.ok, filePath)
    if (!parsed.ok) t.match(parsed.reason, reason, filePath)
    t.equal(routeKeyOf(filePath), null)
  }
})
