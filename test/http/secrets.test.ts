import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { SecretBox } from '../../core/secrets/secret-box.js'
import { openEmbeddedStore } from '../../plugins/registry/embedded.js'
import { startService, type TestService } from '../helpers/service.js'

// Secret variables through the real service, on the embedded store (whose rows this test reads and tampers with
// directly between runs): write-only, sealed at rest, masked in what comes back, rotated by the real command.
const ROTATE = fileURLToPath(new URL('../../core/rotate-secrets.js', import.meta.url))
const oldKey = randomBytes(32).toString('base64')
const newKey = randomBytes(32).toString('base64')
const dataDir = await mkdtemp(join(tmpdir(), 'fn-secrets-'))
t.teardown(() => rm(dataDir, { recursive: true, force: true }))
const start = async (env: Record<string, string>): Promise<TestService> => await startService({ DATABASE_URL: '', ...env }, { dataDir })

const P = 'proj-secrets'
const API_KEY = `sk_live_${randomBytes(12).toString('hex')}`
const TOKEN = `tok_${randomBytes(12).toString('hex')}`
const READER = `export async function handler (event, context) {
  console.log('using', process.env.API_KEY, 'and', context.env.TOKEN)
  if (event.fail) throw new Error('upstream refused ' + process.env.API_KEY)
  return { keyLength: process.env.API_KEY?.length ?? null, tokenLength: process.env.TOKEN?.length ?? null, other: process.env.OTHER ?? null, plain: process.env.PLAIN ?? null }
}`
const everything: string[] = []
const seen = (text: string): void => { everything.push(text) }

t.test('secrets are write-only: set, used by the function, never shown, masked in logs and errors', async t => {
  const svc = await start({ SECRETS_KEY: oldKey })
  let res = await svc.call('PUT', `/api/functions/${P}/reader`, { code: READER, env: { PLAIN: 'p' }, secrets: { API_KEY } })
  seen(res.text)
  t.equal(res.status, 201, res.text)
  t.same([res.json.function.env, res.json.function.secret_names], [{ PLAIN: 'p' }, ['API_KEY']])
  res = await svc.call('PUT', `/api/projects/${P}/env/TOKEN`, { value: TOKEN, secret: true })
  seen(res.text)
  t.equal(res.status, 201)
  t.same(Object.keys(res.json.variable).sort(), ['created_at', 'name', 'secret', 'updated_at'], 'no value in the record')
  t.equal(res.json.variable.secret, true)

  const ok = await svc.call('POST', `/api/v1/functions/${P}/reader`, {})
  seen(ok.text)
  t.same(ok.json.result, { keyLength: API_KEY.length, tokenLength: TOKEN.length, other: null, plain: 'p' }, 'process.env and context.env hold them')
  t.same(ok.json.logs, ['[LOG] using *** and ***'], 'masked in the captured logs')
  const failed = await svc.call('POST', `/api/v1/functions/${P}/reader`, { fail: true })
  seen(failed.text)
  t.same([failed.status, failed.json.message], [500, 'Error: upstream refused ***'], 'masked in the error message')

  for (const path of [`/api/projects/${P}/env`, `/api/functions/${P}/reader/env`, `/api/functions/${P}/reader`, `/api/v1/functions/${P}/reader`, `/api/v1/projects/${P}/functions`]) {
    const read = await svc.call('GET', path)
    seen(read.text)
    t.equal(read.status, 200, path)
  }
  const list = await svc.call('GET', `/api/projects/${P}/env?sealed=true`)
  t.match(list.json.env[0], { name: 'TOKEN', secret: true, sealed: /^v1\./ }, 'the sealed form, for execution nodes')
  await svc.stop()
  for (const text of [...everything, ...svc.logs]) {
    t.notOk(text.includes(API_KEY) || text.includes(TOKEN), `no secret in: ${text.slice(0, 120)}`)
  }
})

t.test('at rest: sealed, bound to its variable, unreadable under a wrong key', async t => {
  const store = await openEmbeddedStore(dataDir)
  try {
    const rows = (await store.client.query<{ function_name: string, name: string, value: string, secret: boolean }>(
      `SELECT function_name, name, value, secret FROM env_vars WHERE project_id = $1 AND secret ORDER BY name`, [P]))
    t.same(rows.map((r) => [r.function_name, r.name]), [['reader', 'API_KEY'], ['', 'TOKEN']])
    for (const r of rows) {
      t.notOk(r.value.includes(API_KEY) || r.value.includes(TOKEN), 'the stored value is not the secret')
      t.equal(new SecretBox(Buffer.from(oldKey, 'base64')).open(r.value, { projectId: P, functionName: r.function_name, name: r.name }).length > 0, true)
      t.throws(() => new SecretBox(randomBytes(32)).open(r.value, { projectId: P, functionName: r.function_name, name: r.name }), { code: 'FN_ERR_SECRET_UNREADABLE' })
    }
    // API_KEY's ciphertext copied into another variable's row.
    const apiKey = rows.find((r) => r.name === 'API_KEY') as { value: string }
    await store.client.query(`INSERT INTO env_vars (project_id, function_name, name, value, secret) VALUES ($1, 'reader', 'OTHER', $2, true)`, [P, apiKey.value])
  } finally {
    await store.close()
  }
  const svc = await start({ SECRETS_KEY: oldKey })
  const moved = await svc.call('POST', `/api/v1/functions/${P}/reader`, {})
  t.same([moved.status, moved.json.error, moved.json.message], [500, 'Function execution failed', 'Error: the function\'s secret variables could not be decrypted (SECRETS_KEY)'], 'a moved ciphertext does not open')
  t.equal((await svc.call('DELETE', `/api/functions/${P}/reader/env/OTHER`)).status, 200)
  t.equal((await svc.call('POST', `/api/v1/functions/${P}/reader`, {})).status, 200, 'and the function runs again once it is gone')
  await svc.stop()
})

t.test('rotation: npm run rotate-secrets re-seals everything under the new key', async t => {
  const run = async (env: Record<string, string>): Promise<{ code: number, out: string }> => await promisify(execFile)(process.execPath, [ROTATE], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: dataDir, ...env }
  }).then((r) => ({ code: 0, out: r.stdout + r.stderr }), (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }))
  t.match(await run({}), { code: 1, out: /SECRETS_KEY is not set/ })
  t.match(await run({ SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldKey }), { code: 0, out: /secrets re-sealed: 2, already under SECRETS_KEY: 0, unreadable: 0/ })
  t.match(await run({ SECRETS_KEY: newKey }), { code: 0, out: /secrets re-sealed: 0, already under SECRETS_KEY: 2/ }, 'running it again is harmless')
  const svc = await start({ SECRETS_KEY: newKey })
  const res = await svc.call('POST', `/api/v1/functions/${P}/reader`, {})
  t.same([res.status, res.json.result?.keyLength], [200, API_KEY.length], 'the new key alone opens them')
  await svc.stop()
  const stale = await start({ SECRETS_KEY: oldKey })
  t.equal((await stale.call('POST', `/api/v1/functions/${P}/reader`, {})).status, 500, 'the old key alone no longer does')
  await stale.stop()
})

t.test('without SECRETS_KEY a secret is refused, never stored in plain text', async t => {
  const svc = await start({})
  t.teardown(() => svc.stop())
  for (const [method, path, body] of [
    ['PUT', `/api/projects/${P}/env/NEW_SECRET`, { value: 'x', secret: true }],
    ['PUT', `/api/functions/${P}/reader`, { code: READER, secrets: { NEW_SECRET: 'x' } }]
  ] as const) {
    const res = await svc.call(method, path, body)
    t.same([res.status, res.json.error], [400, 'Invalid request'])
    t.match(res.json.message, /secret variables need SECRETS_KEY/)
  }
  t.same((await svc.call('GET', `/api/projects/${P}/env`)).json.env.map((v: { name: string }) => v.name), ['TOKEN'], 'nothing was written')
  const plain = await svc.call('PUT', `/api/functions/${P}/reader`, { code: READER, env: { X: '1' } })
  t.equal(plain.status, 200, 'plain variables still work')
})
