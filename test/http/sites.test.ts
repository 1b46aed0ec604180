import { randomBytes } from 'node:crypto'
import http from 'node:http'
import t from 'tap'
import { fixture, startService } from '../helpers/service.js'

const svc = await startService()
t.teardown(() => svc.stop())

const P = 'site'
const WHO = 'export const handler = async (event, context) => ({ fn: context.functionName, params: event.pathParameters, path: event.path, resource: event.resource })'
const WHO_TS = 'export const handler = async (event: { pathParameters: Record<string, string>, path: string, resource: string }, context: { functionName: string }) => ({ fn: context.functionName, params: event.pathParameters, path: event.path, resource: event.resource })'

const routes: Array<[string, string, string?]> = [
  ['hello', 'api/hello.js'],
  ['typed', 'api/typed.ts', WHO_TS],
  ['folder', 'api/folder/index.js'],
  ['me', 'api/users/me.js'],
  ['user', 'api/users/[id].js'],
  ['posts', 'api/users/[id]/posts/[postId].js'],
  ['files', 'api/files/[...path].js'],
  ['Upper', 'api/Upper.js'],
  ['home', 'index.js']
]
for (const [name, filePath, code] of routes) await svc.deploy(P, name, code ?? WHO, { file_path: filePath })
await svc.deploy(P, 'event', 'export const handler = async (event) => event', { file_path: 'api/event.js' })
await svc.deploy(P, 'echo', `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': event.headers['content-type'] ?? 'application/octet-stream', 'x-method': event.httpMethod, 'x-base64': String(event.isBase64Encoded) },
  body: event.body,
  isBase64Encoded: event.isBase64Encoded
})`, { file_path: 'api/echo.js' })

/** An HTTP request with the path sent exactly as written (fetch would resolve `..` before sending). */
function raw (method: string, path: string, opts: { headers?: Record<string, string>, body?: Buffer } = {}): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: Buffer }> {
  return new Promise((resolve, reject) => {
    // Content-Length always: Node's client frames no body of its own for GET, DELETE or OPTIONS.
    const headers = { ...opts.headers, ...(opts.body === undefined ? {} : { 'content-length': String(opts.body.length) }) }
    const req = http.request(`${svc.url}${path}`, { method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

t.test('the resolution table: static, .ts, index.js, dynamic, catch-all, precedence, case', async t => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['/api/hello', 'hello', {}, '/api/hello'],
    ['/api/hello/', 'hello', {}, '/api/hello'],
    ['/api/typed', 'typed', {}, '/api/typed'],
    ['/api/folder', 'folder', {}, '/api/folder'],
    ['/api/users/42', 'user', { id: '42' }, '/api/users/[id]'],
    ['/api/users/J%C3%BCrgen%20K', 'user', { id: 'Jürgen K' }, '/api/users/[id]'],
    ['/api/users/me', 'me', {}, '/api/users/me'],
    ['/api/users/me/posts/9', 'posts', { id: 'me', postId: '9' }, '/api/users/[id]/posts/[postId]'],
    ['/api/files/a', 'files', { path: 'a' }, '/api/files/[...path]'],
    ['/api/files/docs/2024/report.pdf', 'files', { path: 'docs/2024/report.pdf' }, '/api/files/[...path]'],
    ['/api/Upper', 'Upper', {}, '/api/Upper'],
    ['', 'home', {}, '/'],
    ['/', 'home', {}, '/']
  ]
  for (const [path, fn, params, resource] of cases) {
    const res = await svc.call('GET', `/sites/${P}${path}`)
    t.equal(res.status, 200, path)
    t.same(res.json, { fn, params, path: path === '' ? '/' : path, resource }, path)
  }
})

t.test('unmatched paths, dot segments and encoded slashes answer 404 Function not found', async t => {
  for (const path of ['/api/nope', '/api/upper', '/API/hello', '/api/users', '/api/files', '/api/users/42/extra', '/api//hello',
    '/api/users/a%2Fb', '/api/users/a%2fb/posts/1', '/api/files/..%2F..%2Fetc', '/api/users/%2e%2e', '/api/hello.js']) {
    const res = await svc.call('GET', `/sites/${P}${path}`)
    t.same([res.status, res.json], [404, { error: 'Function not found' }], path)
  }
  for (const path of ['/api/users/../hello', '/api/files/../../etc/passwd', '/api/./hello', '/api/files/a/../b']) {
    const res = await raw('GET', `/sites/${P}${path}`)
    t.same([res.status, JSON.parse(res.body.toString())], [404, { error: 'Function not found' }], `${path} (sent as is)`)
  }
  const other = await svc.call('GET', '/sites/no-such-project/api/hello')
  t.same([other.status, other.json], [404, { error: 'Function not found' }], 'an unknown project has no routes')
  const bad = await svc.call('GET', '/sites/bad%20id/api/hello')
  t.same([bad.status, bad.json], [400, { error: 'Invalid project id' }])
})

t.test('every method reaches the function, and HEAD gets the head without the body', async t => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    const res = await raw(method, `/sites/${P}/api/echo`, { headers: { 'content-type': 'text/plain' }, body: Buffer.from(`via ${method}`) })
    t.equal(res.status, 200, method)
    t.equal(res.headers['x-method'], method)
    t.equal(res.body.toString(), `via ${method}`)
  }
  const head = await raw('HEAD', `/sites/${P}/api/echo`)
  t.equal(head.status, 200)
  t.equal(head.headers['x-method'], 'HEAD')
  t.equal(head.body.length, 0)
})

t.test('the event: method, path, query with repeated keys, lower-case headers, body, request context', async t => {
  const res = await raw('POST', `/sites/${P}/api/event?tag=a&tag=b&q=hello%20world&empty=&plus=a+b`, {
    headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Value', 'X-Request-Id': 'site-req-1', Cookie: 'a=1; b=2' },
    body: Buffer.from('{"name":"Ada"}')
  })
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const event = JSON.parse(res.body.toString())
  t.equal(event.httpMethod, 'POST')
  t.equal(event.path, '/api/event')
  t.same(event.queryStringParameters, { tag: 'b', q: 'hello world', empty: '', plus: 'a b' })
  t.same(event.multiValueQueryStringParameters, { tag: ['a', 'b'], q: ['hello world'], empty: [''], plus: ['a b'] })
  t.same(event.pathParameters, {})
  t.equal(event.headers['x-custom-header'], 'Value')
  t.equal(event.headers['content-type'], 'application/json')
  t.equal(event.headers.cookie, 'a=1; b=2')
  t.notOk(Object.keys(event.headers).some((k) => k !== k.toLowerCase()), 'every header name is lower-case')
  t.equal(event.body, '{"name":"Ada"}')
  t.equal(event.isBase64Encoded, false)
  t.equal(event.requestContext.requestId, 'site-req-1')
  t.equal(res.headers['x-request-id'], 'site-req-1')
  t.ok(Math.abs(event.requestContext.requestTimeEpoch - Date.now()) < 60000)
  t.equal(new Date(event.requestContext.requestTime).getTime(), event.requestContext.requestTimeEpoch)
  const empty = JSON.parse((await raw('GET', `/sites/${P}/api/event`)).body.toString())
  t.same([empty.body, empty.isBase64Encoded, empty.queryStringParameters], ['', false, {}])
})

t.test('binary request bodies round-trip byte for byte; text stays text', async t => {
  const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(64 * 1024)])
  const res = await raw('POST', `/sites/${P}/api/echo`, { headers: { 'content-type': 'application/octet-stream' }, body: bytes })
  t.equal(res.status, 200)
  t.equal(res.headers['x-base64'], 'true')
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.equal(Number(res.headers['content-length']), bytes.length)
  t.ok(res.body.equals(bytes), 'the same bytes came back')
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])
  const img = await raw('PUT', `/sites/${P}/api/echo`, { headers: { 'content-type': 'image/png' }, body: png })
  t.ok(img.body.equals(png))
  const text = await raw('POST', `/sites/${P}/api/echo`, { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('héllo ✓') })
  t.equal(text.headers['x-base64'], 'false')
  t.equal(text.body.toString(), 'héllo ✓')
})

t.test('a binary response body is sent as the bytes it encodes', async t => {
  const bytes = Buffer.from([0, 1, 2, 127, 128, 253, 254, 255])
  await svc.deploy(P, 'binary', `export const handler = async () => ({ statusCode: 200, headers: { 'Content-Type': 'image/x-test' }, body: ${JSON.stringify(bytes.toString('base64'))}, isBase64Encoded: true })`, { file_path: 'api/binary.js' })
  const res = await raw('GET', `/sites/${P}/api/binary`)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'image/x-test')
  t.ok(res.body.equals(bytes), 'byte for byte')
})

t.test('response status, headers, multi-value headers and cookies', async t => {
  await svc.deploy(P, 'cookies', `export const handler = async () => ({
    statusCode: 201,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-Single': 'one', 'Cache-Control': 'no-store', 'Content-Length': '1' },
    multiValueHeaders: { 'X-Multi': ['a', 'b'], 'Set-Cookie': ['session=abc; HttpOnly; Path=/'] },
    cookies: ['theme=dark; Path=/', 'lang=en'],
    body: '<p>made</p>'
  })`, { file_path: 'api/cookies.js' })
  const res = await fetch(`${svc.url}/sites/${P}/api/cookies`)
  t.equal(res.status, 201)
  t.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(res.headers.get('x-single'), 'one')
  t.equal(res.headers.get('cache-control'), 'no-store')
  t.equal(res.headers.get('x-multi'), 'a, b')
  t.same(res.headers.getSetCookie(), ['session=abc; HttpOnly; Path=/', 'theme=dark; Path=/', 'lang=en'])
  t.equal(res.headers.get('content-length'), String(Buffer.byteLength('<p>made</p>')), 'the service\'s Content-Length, not the function\'s')
  t.equal(await res.text(), '<p>made</p>')
  await svc.deploy(P, 'nocontent', 'export const handler = async () => ({ statusCode: 204 })', { file_path: 'api/nocontent.js' })
  const none = await raw('DELETE', `/sites/${P}/api/nocontent`)
  t.same([none.status, none.body.length, none.headers['content-length']], [204, 0, undefined])
  await svc.deploy(P, 'redirect', 'export const handler = async () => ({ statusCode: 302, headers: { Location: "/elsewhere" } })', { file_path: 'api/redirect.js' })
  const moved = await raw('GET', `/sites/${P}/api/redirect`)
  t.same([moved.status, moved.headers.location], [302, '/elsewhere'])
})

t.test('results without a numeric statusCode are 200 JSON', async t => {
  await svc.deploy(P, 'plain', 'export const handler = async (event) => event.queryStringParameters.kind === "string" ? "just text" : event.queryStringParameters.kind === "code" ? { statusCode: "201", x: 1 } : { items: [1, 2] }', { file_path: 'api/plain.js' })
  const cases: Array<[string, string]> = [['object', '{"items":[1,2]}'], ['string', '"just text"'], ['code', '{"statusCode":"201","x":1}']]
  for (const [kind, body] of cases) {
    const res = await raw('GET', `/sites/${P}/api/plain?kind=${kind}`)
    t.same([res.status, res.headers['content-type'], res.body.toString()], [200, 'application/json; charset=utf-8', body], kind)
  }
})

t.test('invalid response shapes are execution errors, never a broken response', async t => {
  await svc.deploy(P, 'bad', `export const handler = async (event) => {
    console.log('returning', event.pathParameters.kind)
    switch (event.pathParameters.kind) {
      case 'status': return { statusCode: 42, body: 'x' }
      case 'big-status': return { statusCode: 1000 }
      case 'split': return { statusCode: 200, headers: { 'X-Evil': 'a\\r\\nSet-Cookie: stolen=1' }, body: 'x' }
      case 'name': return { statusCode: 200, headers: { 'Bad Header': 'x' } }
      case 'body': return { statusCode: 200, body: { not: 'a string' } }
      case 'base64': return { statusCode: 200, body: '%%%', isBase64Encoded: true }
      case 'cookie': return { statusCode: 200, cookies: ['a=1\\nb=2'] }
    }
  }`, { file_path: 'api/bad/[kind].js' })
  const cases: Array<[string, RegExp]> = [
    ['status', /statusCode must be an integer from 200 to 599, not 42/],
    ['big-status', /not 1000/],
    ['split', /"X-Evil" contains a control character/],
    ['name', /"Bad Header" is not a valid header name/],
    ['body', /body must be a string/],
    ['base64', /not valid base64/],
    ['cookie', /"set-cookie" contains a control character/]
  ]
  const failedBefore = (await svc.call('GET', '/health')).json.failedInvocations
  for (const [kind, message] of cases) {
    const res = await raw('GET', `/sites/${P}/api/bad/${kind}`)
    t.equal(res.status, 500, kind)
    t.equal(res.headers['set-cookie'], undefined, `${kind}: nothing of the function's response was sent`)
    const body = JSON.parse(res.body.toString())
    t.match(body, { error: 'Function execution failed', message, logs: [`[LOG] returning ${kind}`], invocationId: /^[0-9a-f-]{36}$/ }, kind)
    t.same(Object.keys(body).sort(), ['error', 'invocationId', 'logs', 'message'])
  }
  t.equal((await svc.call('GET', '/health')).json.failedInvocations, failedBefore + cases.length, 'each counted as a failed invocation')
})

t.test('thrown errors, timeouts and disabled functions answer as invocations do', async t => {
  await svc.deploy(P, 'throws', 'export const handler = async () => { console.log("before"); throw new TypeError("nope") }', { file_path: 'api/throws.js' })
  const thrown = await svc.call('POST', `/sites/${P}/api/throws`)
  t.equal(thrown.status, 500)
  t.match(thrown.json, { error: 'Function execution failed', message: 'TypeError: nope', logs: ['[LOG] before'], invocationId: /./ })
  await svc.deploy(P, 'spin', await fixture('spin.js'), { file_path: 'api/spin.js', timeout_ms: 300 })
  const slow = await svc.call('GET', `/sites/${P}/api/spin`)
  t.equal(slow.status, 504)
  t.match(slow.json, { error: 'Function execution timeout', message: 'Function execution timeout (300ms)', logs: ['[LOG] about to spin'] })
  await svc.deploy(P, 'off', WHO, { file_path: 'api/off.js', is_active: false })
  const off = await svc.call('GET', `/sites/${P}/api/off`)
  t.same([off.status, off.json], [403, { error: 'Function is disabled' }])
})

t.test('a route change is visible to the very next request after a deploy, update or delete', async t => {
  const get = async (path: string): Promise<[number, unknown]> => {
    const res = await svc.call('GET', `/sites/${P}${path}`)
    return [res.status, res.json?.fn ?? res.json?.error]
  }
  t.same(await get('/api/users/new'), [200, 'user'], 'the table is cached before the change')
  await svc.deploy(P, 'newcomer', WHO, { file_path: 'api/users/new.js' })
  t.same(await get('/api/users/new'), [200, 'newcomer'], 'a deploy: the new static route wins at once')
  let res = await svc.call('PATCH', `/api/functions/${P}/newcomer`, { file_path: 'api/users/newer.js' })
  t.equal(res.status, 200)
  t.same(await get('/api/users/new'), [200, 'user'], 'an update of file_path: the old route is gone')
  t.same(await get('/api/users/newer'), [200, 'newcomer'], 'and the new one serves')
  res = await svc.call('PUT', `/api/functions/${P}/newcomer`, { code: WHO, file_path: 'api/moved/index.js' })
  t.equal(res.status, 200)
  t.same(await get('/api/users/newer'), [200, 'user'], 'a replacing deploy moves the route')
  t.same(await get('/api/moved'), [200, 'newcomer'])
  res = await svc.call('PATCH', `/api/functions/${P}/newcomer`, { code: 'export const handler = async () => ({ fn: "v2" })' })
  t.same(await get('/api/moved'), [200, 'v2'], 'a code update runs at once')
  res = await svc.call('PATCH', `/api/v1/functions/${P}/newcomer`, { is_active: false })
  t.same(await get('/api/moved'), [403, 'Function is disabled'], 'disabling keeps the route and refuses')
  res = await svc.call('DELETE', `/api/functions/${P}/newcomer`)
  t.equal(res.status, 200)
  t.same(await get('/api/moved'), [404, 'Function not found'], 'a delete frees the route at once')
})

t.test('two functions claiming one route: the second is refused with 409 naming the first', async t => {
  const conflict = (res: { status: number, json: any }, label: string): void => {
    t.equal(res.status, 409, label)
    t.equal(res.json.error, 'Function already exists', label)
    t.match(res.json.message, /already served by function "user" \(api\/users\/\[id\]\.js\)/, label)
    t.match(res.json.conflict, { function_name: 'user', file_path: 'api/users/[id].js' }, label)
  }
  conflict(await svc.call('PUT', `/api/functions/${P}/rival`, { code: WHO, file_path: 'api/users/[userId].ts' }), 'PUT')
  conflict(await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'rival', code: WHO, file_path: 'api/users/[x]/index.js' }), 'POST')
  await svc.deploy(P, 'rival', WHO, { file_path: 'api/rival.js' })
  conflict(await svc.call('PATCH', `/api/functions/${P}/rival`, { file_path: 'api/users/[id].js' }), 'PATCH')
  t.equal((await svc.call('GET', `/sites/${P}/api/users/7`)).json.fn, 'user', 'the holder still serves')
  t.equal((await svc.call('GET', `/sites/${P}/api/rival`)).json.fn, 'rival', 'the refused patch changed nothing')
  const moved = await svc.call('PUT', `/api/functions/${P}/hello`, { code: WHO_TS, file_path: 'api/hello/index.ts' })
  t.equal(moved.status, 200, 'a function may take another file path of its own route')
})

t.test('a file path that cannot be a route is refused at deploy', async t => {
  for (const filePath of ['api/[id.js', 'api/[...rest]/more.js', 'api/[a]/[a].js']) {
    const res = await svc.call('PUT', `/api/functions/${P}/broken`, { code: WHO, file_path: filePath })
    t.equal(res.status, 400, filePath)
    t.equal(res.json.error, 'Invalid request')
    t.ok(String(res.json.message).startsWith(`file_path "${filePath}" is not a site route: `), res.json.message)
  }
})

t.test('site requests are counted under the site route with the method used', async t => {
  await svc.call('DELETE', `/sites/${P}/api/hello`)
  const metrics = (await svc.call('GET', '/metrics')).text
  t.match(metrics, /functions_http_requests_total\{route="\/sites\/:projectId\/\*",method="DELETE",status="200"\} [1-9]/)
  t.match(metrics, /functions_http_requests_total\{route="\/sites\/:projectId\/\*",method="GET",status="404"\} [1-9]/)
})

t.test('with INVOKE_TOKEN: the token is required and never reaches the function; the body limit holds', async t => {
  const INVOKE = 'invoke-token-0123456789'
  const ADMIN = 'admin-token-0123456789abc'
  const guarded = await startService({ INVOKE_TOKEN: INVOKE, ADMIN_TOKEN: ADMIN, MAX_BODY_BYTES: '1024' })
  t.teardown(() => guarded.stop())
  const deployed = await guarded.call('PUT', '/api/functions/g/event', { code: 'export const handler = async (event) => ({ headers: event.headers, size: event.body.length })', file_path: 'api/event.js' }, { authorization: `Bearer ${ADMIN}` })
  t.equal(deployed.status, 201)
  const anonymous = await guarded.call('GET', '/sites/g/api/event')
  t.same([anonymous.status, anonymous.json, anonymous.headers.get('www-authenticate')], [401, { error: 'Unauthorized' }, 'Bearer'])
  const unknown = await guarded.call('GET', '/sites/g/api/nothing')
  t.equal(unknown.status, 401, 'no route is revealed without the token')
  for (const token of [INVOKE, ADMIN]) {
    const ok = await guarded.call('POST', '/sites/g/api/event', 'x'.repeat(1024), { authorization: `Bearer ${token}`, 'x-seen': 'yes' })
    t.equal(ok.status, 200)
    t.equal(ok.json.headers['x-seen'], 'yes')
    t.equal(ok.json.headers.authorization, undefined, 'the service\'s token is not the function\'s')
    t.equal(ok.json.size, 1024)
  }
  const big = await guarded.call('POST', '/sites/g/api/event', 'x'.repeat(1025), { authorization: `Bearer ${INVOKE}` })
  t.same([big.status, big.json], [413, { error: 'Payload too large', message: 'the body is over 1024 bytes' }])
})
