import t from 'tap'
import { fixture, startService } from '../helpers/service.js'

const svc = await startService()
t.teardown(() => svc.stop())
const P = 'proj-manage'
const hello = await fixture('hello.js')

t.test('POST creates a function: 201 with the record, never the code', async t => {
  const res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'hello', code: hello })
  t.equal(res.status, 201)
  const f = res.json.function
  t.equal(res.json.success, true)
  t.match(f, {
    project_id: P, function_name: 'hello', file_path: 'api/hello.js', runtime: `node${process.versions.node.split('.')[0]}`,
    is_active: true, invocation_count: 0, timeout_ms: 30000
  })
  t.match(f.id, /^fn_[0-9A-HJKMNP-TV-Z]{26}$/)
  t.match(f.code_sha256, /^[0-9a-f]{64}$/)
  t.equal(new Date(f.created_at).toISOString(), f.created_at)
  t.equal(f.code, undefined)
  t.equal(f.compiled, undefined)
  t.equal((await svc.invoke(P, 'hello', { name: 'x' })).json.result.message, 'Hello, x!')
})

t.test('POST of an existing name is 409', async t => {
  const res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'hello', code: hello })
  t.same([res.status, res.json], [409, { error: 'Function already exists' }])
})

t.test('code that does not compile is 400 with line and column; code without a handler is 400', async t => {
  let res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'broken', code: 'export async function handler() {\n  return {\n    a: 1 2\n  }\n}' })
  t.equal(res.status, 400)
  t.equal(res.json.error, 'Invalid function code')
  t.match(res.json.message, /^SyntaxError: .*\(3:9\)$/)
  res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'nohandler', code: 'export const notAHandler = 1' })
  t.equal(res.status, 400)
  t.equal(res.json.error, 'Invalid function code')
  t.match(res.json.message, /handler/)
  t.equal((await svc.call('GET', `/api/functions/${P}/broken`)).status, 404, 'nothing was stored')
})

t.test('bodies that fail validation are 400 with ajv details', async t => {
  let res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'x', code: hello, colour: 'red' })
  t.equal(res.status, 400)
  t.equal(res.json.error, 'Invalid request')
  t.type(res.json.message, 'string')
  t.ok(Array.isArray(res.json.details) && res.json.details.length > 0)
  res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'bad name!', code: hello })
  t.equal(res.json.error, 'Invalid request')
  res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'x', code: hello, timeout_ms: 30001 })
  t.equal(res.json.error, 'Invalid request')
  res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'x', code: hello, file_path: '../etc/x.js' })
  t.equal(res.json.error, 'Invalid request')
  res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'x', code: hello, runtime: 'node12' })
  t.equal(res.status, 400)
  t.match(res.json.message, /runtime "node12" is not available/)
  res = await svc.call('POST', `/api/functions/projects/${P}`, '[1,')
  t.same([res.status, res.json.error], [400, 'Invalid JSON body'])
  res = await svc.call('POST', `/api/functions/projects/${P}`)
  t.same([res.status, res.json.error], [400, 'Invalid request'])
})

t.test('code over MAX_CODE_BYTES is 413', async t => {
  const big = `export async function handler () { return 1 }\n//${'x'.repeat(1024 * 1024)}`
  const res = await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'big', code: big })
  t.equal(res.status, 413)
  t.equal(res.json.error, 'Payload too large')
})

t.test('PUT creates (201) then replaces (200), keeping id and created_at', async t => {
  let res = await svc.call('PUT', `/api/functions/${P}/put-me`, { code: hello, timeout_ms: 5000 })
  t.equal(res.status, 201)
  const first = res.json.function
  res = await svc.call('PUT', `/api/functions/${P}/put-me`, { code: 'exports.handler = async () => "v2"', timeout_ms: 6000 })
  t.equal(res.status, 200)
  t.equal(res.json.function.id, first.id)
  t.equal(res.json.function.created_at, first.created_at)
  t.equal(res.json.function.timeout_ms, 6000)
  t.not(res.json.function.code_sha256, first.code_sha256)
  t.equal((await svc.invoke(P, 'put-me')).json.result, 'v2', 'the very next invocation runs the new code')
  res = await svc.call('PUT', `/api/functions/${P}/put-me`, { function_name: 'other', code: hello })
  t.equal(res.status, 400)
})

t.test('GET metadata, list and code', async t => {
  const v1 = await svc.call('GET', `/api/v1/functions/${P}/hello`)
  const mgmt = await svc.call('GET', `/api/functions/${P}/hello`)
  t.equal(v1.status, 200)
  t.same(v1.json.function.function_name, 'hello')
  t.same(mgmt.json.function.id, v1.json.function.id)
  const list = await svc.call('GET', `/api/v1/projects/${P}/functions`)
  t.equal(list.json.success, true)
  t.equal(list.json.count, list.json.functions.length)
  t.ok(list.json.functions.every((f: any) => f.code === undefined))
  t.same((await svc.call('GET', `/api/functions/projects/${P}`)).json, list.json)
  t.same((await svc.call('GET', '/api/v1/projects/nobody/functions')).json, { success: true, functions: [], count: 0 })
  const code = await svc.call('GET', `/api/functions/${P}/hello/code`)
  t.equal(code.status, 200)
  t.equal(code.text, hello)
  t.match(code.headers.get('content-type'), /^text\/javascript/)
  t.equal((await svc.call('GET', `/api/functions/${P}/missing/code`)).status, 404)
})

t.test('TypeScript deploys, runs, and its code is served as text/typescript', async t => {
  const ts = await fixture('counter.ts')
  const res = await svc.call('PUT', `/api/functions/${P}/counter`, { code: ts, file_path: 'api/counter.ts' })
  t.equal(res.status, 201)
  t.same((await svc.invoke(P, 'counter', { n: 21 })).json.result, { doubled: 42 })
  const code = await svc.call('GET', `/api/functions/${P}/counter/code`)
  t.match(code.headers.get('content-type'), /^text\/typescript/)
  t.equal(code.text, ts)
})

t.test('PATCH changes code, timeout and state; the very next invocation sees it', async t => {
  let res = await svc.call('PATCH', `/api/functions/${P}/put-me`, { code: 'exports.handler = async () => "v3"', timeout_ms: 7000 })
  t.equal(res.status, 200)
  t.equal(res.json.function.timeout_ms, 7000)
  t.equal((await svc.invoke(P, 'put-me')).json.result, 'v3')
  res = await svc.call('PATCH', `/api/functions/${P}/put-me`, { is_active: false })
  t.equal((await svc.invoke(P, 'put-me')).status, 403)
  res = await svc.call('PATCH', `/api/functions/${P}/put-me`, {})
  t.equal(res.status, 400)
  res = await svc.call('PATCH', `/api/functions/${P}/put-me`, { code: 'nope(' })
  t.equal(res.json.error, 'Invalid function code')
  res = await svc.call('PATCH', `/api/functions/${P}/missing`, { is_active: true })
  t.same([res.status, res.json], [404, { error: 'Function not found' }])
  res = await svc.call('PATCH', `/api/v1/functions/${P}/put-me`, { timeout_ms: 5 })
  t.equal(res.status, 400, 'v1 PATCH accepts only is_active')
})

t.test('DELETE removes; afterwards invocations and reads are 404', async t => {
  await svc.invoke(P, 'hello', {})
  let res = await svc.call('DELETE', `/api/functions/${P}/hello`)
  t.same([res.status, res.json], [200, { success: true }])
  t.same((await svc.invoke(P, 'hello', {})).status, 404)
  t.same((await svc.call('GET', `/api/functions/${P}/hello`)).status, 404)
  res = await svc.call('DELETE', `/api/functions/${P}/hello`)
  t.same([res.status, res.json], [404, { error: 'Function not found' }])
})

t.test('invocation_count is exact within a second, counting failures too', async t => {
  await svc.deploy(P, 'count-me', 'exports.handler = async (e) => { if (e.fail) throw new Error("x"); return 1 }')
  for (let i = 0; i < 5; i++) await svc.invoke(P, 'count-me', { fail: i % 2 === 0 })
  t.equal((await svc.call('GET', `/api/functions/${P}/count-me`)).json.function.invocation_count, 5, 'pending counts included at once')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal((await svc.call('GET', `/api/functions/${P}/count-me`)).json.function.invocation_count, 5, 'and after the flush')
})
