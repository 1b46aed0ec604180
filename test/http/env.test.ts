import t from 'tap'
import { startService } from '../helpers/service.js'

// Project and function variables through the real service: process.env and context.env inside functions, the
// override by name, every refusal, and the very next invocation seeing a change.
const svc = await startService()
t.teardown(() => svc.stop())
const P = 'proj-env'
const READ_ENV = 'export async function handler (event, context) { return { env: { ...process.env }, same: context.env === process.env } }'

const envOf = async (fn: string): Promise<Record<string, string>> => {
  const res = await svc.invoke(P, fn)
  t.equal(res.status, 200, JSON.stringify(res.json))
  t.equal(res.json.result.same, true, 'context.env is process.env')
  return res.json.result.env
}

t.test('project variables reach every function; a function\'s own override them by name', async t => {
  await svc.deploy(P, 'reader', READ_ENV, { env: { REGION: 'fn-region', ONLY_FN: '1' } })
  await svc.deploy(P, 'other', READ_ENV)
  t.same(await envOf('reader'), { REGION: 'fn-region', ONLY_FN: '1' })
  let res = await svc.call('PUT', `/api/projects/${P}/env/REGION`, { value: 'eu-west-1' })
  t.equal(res.status, 201)
  t.match(res.json, { success: true, variable: { name: 'REGION', secret: false, value: 'eu-west-1', created_at: String, updated_at: String } })
  res = await svc.call('PUT', `/api/projects/${P}/env/API_URL`, { value: 'https://api.example' })
  t.equal(res.status, 201)
  t.same(await envOf('reader'), { API_URL: 'https://api.example', REGION: 'fn-region', ONLY_FN: '1' }, 'the very next invocation sees the project variable; its own REGION wins')
  t.same(await envOf('other'), { API_URL: 'https://api.example', REGION: 'eu-west-1' })
  res = await svc.call('PUT', `/api/projects/${P}/env/REGION`, { value: 'us-east-1' })
  t.equal(res.status, 200, 'replacing is 200')
  t.equal((await envOf('other')).REGION, 'us-east-1')
  res = await svc.call('GET', `/api/projects/${P}/env`)
  t.same(res.json.env.map((v: { name: string }) => v.name), ['API_URL', 'REGION'])
  t.equal(res.json.count, 2)
  res = await svc.call('GET', `/api/functions/${P}/reader/env`)
  t.same(res.json.env.map((v: { name: string, value: string }) => [v.name, v.value]), [['ONLY_FN', '1'], ['REGION', 'fn-region']])
})

t.test('function variables by route; metadata shows them; DELETE and 404', async t => {
  let res = await svc.call('PUT', `/api/functions/${P}/other/env/FEATURE`, { value: 'on' })
  t.equal(res.status, 201)
  t.equal((await envOf('other')).FEATURE, 'on')
  res = await svc.call('GET', `/api/functions/${P}/other`)
  t.same([res.json.function.env, res.json.function.secret_names], [{ FEATURE: 'on' }, []], 'the record shows its own variables')
  res = await svc.call('DELETE', `/api/functions/${P}/other/env/FEATURE`)
  t.same([res.status, res.json], [200, { success: true }])
  t.equal((await envOf('other')).FEATURE, undefined, 'gone for the very next invocation')
  res = await svc.call('DELETE', `/api/functions/${P}/other/env/FEATURE`)
  t.same([res.status, res.json], [404, { error: 'Variable not found' }])
  res = await svc.call('DELETE', `/api/projects/${P}/env/NOPE`)
  t.same([res.status, res.json], [404, { error: 'Variable not found' }])
  res = await svc.call('PUT', `/api/functions/${P}/missing/env/X`, { value: '1' })
  t.same([res.status, res.json], [404, { error: 'Function not found' }])
  res = await svc.call('GET', `/api/functions/${P}/missing/env`)
  t.equal(res.status, 404)
})

t.test('a deploy with env replaces the function\'s own set; without env it keeps it; delete drops it', async t => {
  await svc.deploy(P, 'replaced', READ_ENV, { env: { A: '1', B: '2' } })
  await svc.deploy(P, 'replaced', READ_ENV, { env: { B: 'two' } })
  t.same((await svc.call('GET', `/api/functions/${P}/replaced`)).json.function.env, { B: 'two' })
  await svc.deploy(P, 'replaced', `${READ_ENV} // v2`)
  t.same((await svc.call('GET', `/api/functions/${P}/replaced`)).json.function.env, { B: 'two' }, 'a deploy without env keeps the variables')
  t.equal((await svc.call('DELETE', `/api/functions/${P}/replaced`)).status, 200)
  await svc.deploy(P, 'replaced', READ_ENV)
  t.same((await svc.call('GET', `/api/functions/${P}/replaced`)).json.function.env, {}, 'a deleted function\'s variables went with it')
})

t.test('every refusal is 400 Invalid request naming the variable, and changes nothing', async t => {
  const refusals: Array<[string, unknown, RegExp]> = [
    ['1BAD', { value: 'x' }, /variable "1BAD": names match/],
    ['has-dash', { value: 'x' }, /variable "has-dash"/],
    ['NODE_OPTIONS', { value: '--require x' }, /variable "NODE_OPTIONS" is reserved/],
    ['DATABASE_URL', { value: 'postgres://x' }, /variable "DATABASE_URL" is reserved/],
    ['OK', { value: 42 }, /value: must be string/],
    ['OK', { value: 'x', extra: 1 }, /unknown field "extra"/],
    ['SECRET', { value: 'x', secret: true }, /secret variables need SECRETS_KEY .* never stored unencrypted/]
  ]
  for (const [name, body, message] of refusals) {
    const res = await svc.call('PUT', `/api/projects/${P}/env/${name}`, body)
    t.equal(res.status, 400, `${name}: ${res.text}`)
    t.equal(res.json.error, 'Invalid request')
    t.match(res.json.message, message)
  }
  const big = 'x'.repeat(20 * 1024)
  t.equal((await svc.call('PUT', `/api/projects/${P}/env/BIG_ONE`, { value: big })).status, 201)
  const res = await svc.call('PUT', `/api/functions/${P}/reader/env/BIG_TWO`, { value: big })
  t.equal(res.status, 400)
  t.match(res.json.message, /the variables of function reader would be \d+ bytes; at most 32768/)
  const tooBigForOne = await svc.call('PUT', `/api/projects/${P}/env/BIG_ONE`, { value: 'x'.repeat(33 * 1024) })
  t.match([tooBigForOne.status, tooBigForOne.json.message], [400, /would be \d+ bytes/])
  t.equal((await svc.call('DELETE', `/api/projects/${P}/env/BIG_ONE`)).status, 200)

  // A deploy whose variables are refused writes nothing: not the code, not the variables.
  const before = (await svc.call('GET', `/api/functions/${P}/reader`)).json.function
  for (const extra of [{ env: { NODE_OPTIONS: 'x' } }, { env: { GOOD: 'x', 'bad name': 'y' } }, { env: { N: 1 } }, { secrets: { KEY: 'x' } }]) {
    const deploy = await svc.call('PUT', `/api/functions/${P}/reader`, { code: `${READ_ENV} // changed`, ...extra })
    t.equal(deploy.status, 400, deploy.text)
    t.equal(deploy.json.error, 'Invalid request')
  }
  const after = (await svc.call('GET', `/api/functions/${P}/reader`)).json.function
  t.same([after.code_sha256, after.env], [before.code_sha256, before.env], 'the function is as it was')
  t.equal((await svc.call('POST', `/api/functions/projects/${P}`, { function_name: 'never', code: READ_ENV, env: { PORT: '1' } })).status, 400)
  t.equal((await svc.call('GET', `/api/functions/${P}/never`)).status, 404, 'a refused create stores nothing')
})
