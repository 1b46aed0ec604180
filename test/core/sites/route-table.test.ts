import t from 'tap'
import { RouteTable } from '../../../core/sites/route-table.js'

const table = new RouteTable([
  { functionName: 'hello', filePath: 'api/hello.js' },
  { functionName: 'typed', filePath: 'api/typed.ts' },
  { functionName: 'folder', filePath: 'api/folder/index.js' },
  { functionName: 'me', filePath: 'api/users/me.js' },
  { functionName: 'user', filePath: 'api/users/[id].js' },
  { functionName: 'posts', filePath: 'api/users/[id]/posts/[postId].js' },
  { functionName: 'files', filePath: 'api/files/[...path].js' },
  { functionName: 'readme', filePath: 'api/files/readme.js' },
  { functionName: 'anyUser', filePath: 'api/[...all].js' },
  { functionName: 'root', filePath: 'index.js' },
  { functionName: 'Upper', filePath: 'api/Upper.js' }
])

const match = (path: string): unknown => {
  const m = table.match(path === '' ? [] : path.split('/'))
  return m === null ? null : { fn: m.functionName, params: { ...m.pathParameters } }
}

t.test('the resolution table', async t => {
  const cases: Array<[string, unknown]> = [
    ['api/hello', { fn: 'hello', params: {} }],
    ['api/typed', { fn: 'typed', params: {} }],
    ['api/folder', { fn: 'folder', params: {} }],
    ['api/users/42', { fn: 'user', params: { id: '42' } }],
    ['api/users/me', { fn: 'me', params: {} }],
    ['api/users/7/posts/9', { fn: 'posts', params: { id: '7', postId: '9' } }],
    ['api/files/a', { fn: 'files', params: { path: 'a' } }],
    ['api/files/a/b/c.txt', { fn: 'files', params: { path: 'a/b/c.txt' } }],
    ['api/files/readme', { fn: 'readme', params: {} }],
    ['api/files/readme/more', { fn: 'files', params: { path: 'readme/more' } }],
    ['', { fn: 'root', params: {} }],
    ['api/Upper', { fn: 'Upper', params: {} }]
  ]
  for (const [path, expected] of cases) t.same(match(path), expected, `/${path}`)
})

t.test('static beats dynamic beats catch-all, backing up when a static branch dead-ends', async t => {
  t.same(match('api/users/me'), { fn: 'me', params: {} }, 'static over [id]')
  t.same(match('api/users/me/posts/1'), { fn: 'posts', params: { id: 'me', postId: '1' } }, 'me/ has no posts: back up to [id]')
  t.same(match('api/hello/x'), { fn: 'anyUser', params: { all: 'hello/x' } }, 'nothing below hello: the catch-all above takes it')
  t.same(match('api/users'), { fn: 'anyUser', params: { all: 'users' } })
})

t.test('unmatched paths, case and a catch-all that needs one segment', async t => {
  t.equal(match('api'), null, 'a catch-all needs at least one segment')
  t.equal(match('nope'), null)
  t.equal(match('API/hello'), null, 'case-sensitive')
  t.same(match('api/upper'), { fn: 'anyUser', params: { all: 'upper' } }, 'api/Upper.js does not serve /api/upper')
  const bare = new RouteTable([{ functionName: 'files', filePath: 'api/files/[...path].js' }])
  t.equal(bare.match(['api', 'files']), null)
  t.equal(new RouteTable([]).match([]), null)
})

t.test('of two functions claiming one route the first keeps it; non-routes are left out', async t => {
  const t2 = new RouteTable([
    { functionName: 'old', filePath: 'api/x.js' },
    { functionName: 'new', filePath: 'api/x/index.ts' },
    { functionName: 'broken', filePath: 'api/[y.js' }
  ])
  t.equal(t2.match(['api', 'x'])?.functionName, 'old')
  t.same(t2.functions.map((f) => [f.functionName, f.route]), [['old', '/api/x']])
})

t.test('a parameter called __proto__ is an own property', async t => {
  const m = new RouteTable([{ functionName: 'p', filePath: 'api/[__proto__].js' }]).match(['api', 'x'])
  t.equal(JSON.stringify(m?.pathParameters), '{"__proto__":"x"}')
})
