import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import t from 'tap'
import { DATABASE_URL, dropSchema, needs } from '../helpers/backends.js'
import { backendEnv } from '../helpers/service.js'
import { findTool, runTool } from './tool.js'

// The Procfile under a real Procfile runner (foreman, Debian's ruby-foreman; .ci/run installs it), as a
// Heroku-style platform runs it: the port comes from the runner, SIGTERM goes to the process group.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const foreman = findTool('foreman')

/** An environment for the service with nothing of the test runner's (tap sets NODE_OPTIONS for coverage). */
function serviceEnv (extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'text', SANDBOX_POOL_SIZE: '2', ...backendEnv(), ...extra }
}

t.test('foreman runs web on the port it assigns; SIGTERM lets the in-flight invocation finish and everything exits 0', async t => {
  if (!needs('foreman (Debian package ruby-foreman)', foreman !== undefined)) return
  const dataDir = await mkdtemp(join(tmpdir(), 'fn-foreman-'))
  const schema = `foreman_${process.pid}`
  t.teardown(async () => {
    await rm(dataDir, { recursive: true, force: true })
    await dropSchema(schema)
  })
  // foreman gives process type N of the Procfile the port base + 100 × N: `web` is second, after `release`.
  const base = 20000 + (process.pid % 2000) * 10
  const child = spawn(foreman as string, ['start', 'web', '-f', join(ROOT, 'Procfile'), '-d', ROOT, '-p', String(base)], {
    env: serviceEnv({ DATA_DIR: dataDir, DATABASE_SCHEMA: schema, REDIS_PREFIX: `fn-test:${schema}` }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => { output += c.toString() })
  child.stderr.on('data', (c: Buffer) => { output += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const listening = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => { resolve(undefined) }, 60_000)
    const check = (): void => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (m !== null) { clearTimeout(timer); resolve(m[1]) }
    }
    child.stdout.on('data', check)
  })
  t.equal(listening, String(base + 100), `the service took foreman's port\n${output}`)
  const url = `http://127.0.0.1:${String(listening)}`
  const put = async (name: string, code: string): Promise<number> => (await fetch(`${url}/api/functions/procfile/${name}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code })
  })).status
  t.equal(await put('hello', 'export async function handler (e) { return "hi " + e.name }'), 201)
  t.equal(await put('slow', 'export async function handler () { const end = Date.now() + 2000; while (Date.now() < end) {} return "slow done" }'), 201)
  const hello = await fetch(`${url}/api/v1/functions/procfile/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"foreman"}' })
  t.equal(hello.status, 200)
  t.match(await hello.json(), { success: true, result: 'hi foreman' })

  const inFlight = fetch(`${url}/api/v1/functions/procfile/slow`, { method: 'POST' }).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, unknown> }))
  await new Promise((resolve) => setTimeout(resolve, 400))
  child.kill('SIGTERM')
  const slow = await inFlight
  t.equal(slow.status, 200, 'the invocation running when SIGTERM came was answered')
  t.equal(slow.body.result, 'slow done')
  t.equal(await exited, 0, `foreman and the web process exited 0\n${output}`)
  t.match(output, /SIGTERM received: draining/)
})

t.test('the release command of the Procfile migrates an empty PostgreSQL database', async t => {
  if (!needs('foreman (Debian package ruby-foreman)', foreman !== undefined)) return
  if (!needs('PostgreSQL (DATABASE_URL)', DATABASE_URL !== undefined)) return
  // `foreman run <type>` finds the type only in the Procfile of its working directory (-f is not consulted).
  const schema = `release_${process.pid}`
  t.teardown(async () => { await dropSchema(schema) })
  const run = runTool(foreman as string, ['run', 'release'], { cwd: ROOT, env: serviceEnv({ DATABASE_SCHEMA: schema }) })
  t.equal(run.status, 0, run.output)
  t.match(run.output, /migrations applied: 1/)
  const sql = postgres(DATABASE_URL as string, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end({ timeout: 1 }))
  const tables = await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`
  t.same(tables.map((r) => r.table_name), ['functions', 'schema_migrations'])
  const again = runTool(foreman as string, ['run', 'release'], { cwd: ROOT, env: serviceEnv({ DATABASE_SCHEMA: schema }) })
  t.equal(again.status, 0, again.output)
  t.match(again.output, /migrations applied: none pending/, 'running it again is harmless')
})
