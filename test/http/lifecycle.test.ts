import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { dropSchema } from '../helpers/backends.js'
import { cleanEnv } from '../helpers/clean-spawn.js'
import { backendEnv, fixture, startService } from '../helpers/service.js'

const MAIN = fileURLToPath(new URL('../../core/main.js', import.meta.url))

t.test('a restart with the same data keeps functions and invocation counts', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fn-restart-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const schema = { DATABASE_SCHEMA: `restart_${process.pid}` }
  t.teardown(() => dropSchema(schema.DATABASE_SCHEMA))
  const first = await startService(schema, { dataDir })
  const created = await first.deploy('p-life', 'hello', await fixture('hello.js'))
  for (let i = 0; i < 3; i++) t.equal((await first.invoke('p-life', 'hello', {})).status, 200)
  await first.stop()

  const second = await startService(schema, { dataDir })
  t.teardown(() => second.stop())
  const res = await second.call('GET', '/api/functions/p-life/hello')
  t.equal(res.json.function.id, created.id)
  t.equal(res.json.function.invocation_count, 3, 'counts were flushed on the graceful stop')
  t.equal((await second.invoke('p-life', 'hello', { name: 'again' })).json.result.message, 'Hello, again!')
})

t.test('a graceful stop lets in-flight invocations finish and refuses new ones with 503', async t => {
  const svc = await startService()
  await svc.deploy('p-life', 'slow', await fixture('slow.js'))
  await svc.deploy('p-life', 'hello', await fixture('hello.js'))
  const inFlight = svc.invoke('p-life', 'slow', { ms: 1500 })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const stopped = svc.stop()
  const health = await svc.call('GET', '/health')
  t.equal(health.status, 503)
  t.equal(health.json.status, 'draining')
  const late = await svc.call('POST', '/api/v1/functions/p-life/hello', {})
  t.same([late.status, late.json], [503, { error: 'Service shutting down' }])
  t.equal(late.headers.get('connection'), 'close')
  const done = await inFlight
  t.same([done.status, done.json.result], [200, 'slow done'], 'the in-flight invocation finished')
  await stopped
})

t.test('the real entry point serves on PORT, logs one start line, and exits 0 on SIGTERM', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fn-main-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  t.teardown(() => dropSchema(`main_${process.pid}`))
  const child = spawn(process.execPath, [MAIN], {
    env: { ...cleanEnv(), ...backendEnv(), PORT: '0', FUNCTIONS_PORT: '1', HOST: '127.0.0.1', DATA_DIR: dataDir, SANDBOX_POOL_SIZE: '1', DATABASE_SCHEMA: `main_${process.pid}` },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (c) => { out += c })
  child.stderr.on('data', (c) => { out += c })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no start line: ${out}`)) }, 30000)
    child.stdout.on('data', () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m !== null) { clearTimeout(timer); resolve(Number(m[1])) }
    })
  })
  t.ok(port > 1, 'PORT=0 won over FUNCTIONS_PORT=1')
  const health = await fetch(`http://127.0.0.1:${port}/health`)
  t.equal(health.status, 200)
  t.match(out, /\[FUNCTIONS\] \[WARN\] ADMIN_TOKEN is not set/)
  const exit = new Promise<[number | null, string | null]>((resolve) => { child.once('exit', (code, signal) => { resolve([code, signal]) }) })
  child.kill('SIGTERM')
  t.same(await exit, [0, null])
  t.notMatch(out, /at .*\.js:\d+/, 'no stack traces in the output')
})

t.test('a bad configuration stops start-up with one line naming every bad variable, exit 1', async t => {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: 'eighty', LOG_FORMAT: 'xml', SANDBOX_MEMORY_MB: '-1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let err = ''
  child.stderr.on('data', (c) => { err += c })
  const code = await new Promise((resolve) => { child.once('exit', resolve) })
  t.equal(code, 1)
  t.equal(err.trim().split('\n').length, 1)
  for (const name of ['PORT', 'LOG_FORMAT', 'SANDBOX_MEMORY_MB']) t.match(err, name)
})

t.test('NODE_ENV=production without ADMIN_TOKEN refuses to start', async t => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (c) => { err += c })
  t.equal(await new Promise((resolve) => { child.once('exit', resolve) }), 1)
  t.match(err, /ADMIN_TOKEN is required when NODE_ENV=production/)
})
