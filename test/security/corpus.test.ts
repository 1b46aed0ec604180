import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startService } from '../helpers/service.js'
import { CORPUS } from './corpus.js'

// A secret in the front process's environment (as DATABASE_URL would be): no response may ever carry it.
const SECRET = `canary-secret-${Math.random().toString(36).slice(2)}`
process.env.FN_CANARY_SECRET = SECRET

// A directory anyone may write to, so that an escape running as any uid would leave its canary file here.
const canaryDir = await mkdtemp(join(tmpdir(), 'fn-canary-'))
await chmod(canaryDir, 0o777)
t.teardown(() => rm(canaryDir, { recursive: true, force: true }))

let connections = 0
const listener = net.createServer((socket) => { connections++; socket.destroy() })
await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
const port = (listener.address() as net.AddressInfo).port
t.teardown(() => { listener.close() })

const svc = await startService({ SANDBOX_MEMORY_MB: '64', SANDBOX_POOL_SIZE: '2', SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') })
t.teardown(() => svc.stop())

// A bystander in another project whose state and results must not change whatever the attacker does.
const VICTIM = 'export async function handler (event) { return { sum: [1, 2, 3].map((x) => x * 2).reduce((a, b) => a + b), polluted: ({}).polluted ?? null, json: JSON.stringify({ a: 1 }) } }'
await svc.deploy('victim', 'steady', VICTIM, { env: { VICTIM_VARIABLE: SECRET }, secrets: { VICTIM_SECRET: SECRET } })
const projectVariable = await svc.call('PUT', '/api/projects/victim/env/VICTIM_PROJECT_VARIABLE', { value: SECRET })
if (projectVariable.status !== 201) throw new Error(`the victim's project variable: ${projectVariable.text}`)
const victimBefore = await svc.invoke('victim', 'steady', {})

for (const c of CORPUS) {
  t.test(`${c.name}: ${c.note}`, async t => {
    const deploy = await svc.call('PUT', `/api/functions/attacker/${c.name}`, { code: c.source, timeout_ms: 2000 })
    if ('deploy' in c.expect) {
      t.equal(deploy.status, c.expect.deploy, deploy.text)
      t.equal(deploy.json.error, 'Invalid function code')
      return
    }
    t.ok(deploy.status === 201 || deploy.status === 200, deploy.text)
    const res = await svc.call('POST', `/api/v1/functions/attacker/${c.name}`, JSON.stringify({ case: c.name, port, canaryDir }))
    const allowed = Array.isArray(c.expect.status) ? c.expect.status : [c.expect.status]
    t.ok(allowed.includes(res.status), `status ${res.status} in ${allowed.join('/')}: ${res.text.slice(0, 300)}`)
    t.notMatch(res.text, /"escaped":true/, 'no host process was reached')
    t.notOk(res.text.includes(SECRET), 'neither the front\'s environment nor another project\'s variables ever show')
    t.notMatch(res.text, /\/work\/|file:\/\/|node:internal|\/usr\/|dist\/sandbox-host/, 'no host path in the answer')
    const health = await svc.call('GET', '/health')
    t.equal(health.status, 200, 'the service stays healthy')
  })
}

t.test('after the whole corpus: no canary, no connection, the bystander unchanged, the service healthy', async t => {
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.same(await readdir(canaryDir), [], 'no file was written and no process was started')
  t.equal(connections, 0, 'the loopback listener saw no connection')
  const victimAfter = await svc.invoke('victim', 'steady', {})
  t.same(victimAfter.json.result, victimBefore.json.result)
  t.same(victimAfter.json.result, { sum: 12, polluted: null, json: '{"a":1}' })
  const pollutedNext = await svc.invoke('attacker', 'globals-probe', { case: 'x', port, canaryDir, dry: true })
  t.equal(pollutedNext.status, 200, 'the attacker\'s own next invocation starts clean too')
  t.equal((await svc.call('GET', '/health')).json.status, 'ok')
})
