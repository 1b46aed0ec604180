import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import t from 'tap'
import { DATABASE_URL, dropSchema, needs } from '../helpers/backends.js'
import { backendEnv, fixture } from '../helpers/service.js'
import { findTool, runTool } from './tool.js'

// The Procfile under a real Procfile runner (foreman, Debian's ruby-foreman; .ci/run installs it), as a
// Heroku-style platform runs it: the port comes from the runner, SIGTERM goes to the process group.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const foreman = findTool('foreman')

/** An environment for the service with nothing of the test runner's (tap sets NODE_OPTIONS for coverage). */
function serviceEnv (extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'text', SANDBOX_POOL_SIZE: '2', ...backendEnv(), ...extra }
}

/** A port nothing listens on right now (the kernel's pick), for foreman to hand to `web`. */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The lines foreman relays from `web.1`, without its `HH:MM:SS web.1  | ` prefix. */
function webLines (output: string): string[] {
  return [...output.matchAll(/^(?:\d\d:\d\d:\d\d )?web\.1\s+\| (.*)$/gm)].map((m) => m[1] as string)
}

t.test('the Procfile lists web first, then release', async t => {
  // Runners that start "the first process" or count ports from it (foreman, `heroku local`) must find web there:
  // with release first, `foreman start -p 5000` served on 5100.
  const entries = (await readFile(join(ROOT, 'Procfile'), 'utf8')).split('\n').filter((l) => /^\w+:/.test(l)).map((l) => l.split(':')[0])
  t.same(entries, ['web', 'release'])
})

t.test('foreman runs web on the port it assigns; SIGTERM lets the in-flight invocation finish and everything exits 0', async t => {
  if (!needs('foreman (Debian package ruby-foreman)', foreman !== undefined)) return
  const dataDir = await mkdtemp(join(tmpdir(), 'fn-foreman-'))
  const schema = `foreman_${process.pid}`
  t.teardown(async () => {
    await rm(dataDir, { recursive: true, force: true })
    await dropSchema(schema)
  })
  // foreman gives process type N of the Procfile the port base + 100 × N: `web` is first, so it serves on the port
  // given (as `heroku local` and platform routers expect of the first, web, process).
  const port = await freePort()
  const child = spawn(foreman as string, ['start', 'web', '-f', join(ROOT, 'Procfile'), '-d', ROOT, '-p', String(port)], {
    env: serviceEnv({ LOG_FORMAT: 'json', DATA_DIR: dataDir, DATABASE_SCHEMA: schema, REDIS_PREFIX: `fn-test:${schema}` }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const seen: Array<{ pattern: RegExp, resolve: () => void }> = []
  const onData = (c: Buffer): void => {
    output += c.toString()
    for (const w of seen.splice(0)) if (w.pattern.test(output)) w.resolve(); else seen.push(w)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  /** Resolves true once foreman's output matches (false after a bound that only proves nothing hung). */
  const outputMatches = async (pattern: RegExp): Promise<boolean> => await new Promise<boolean>((resolve) => {
    if (pattern.test(output)) { resolve(true); return }
    const timer = setTimeout(() => { resolve(false) }, 60_000)
    seen.push({ pattern, resolve: () => { clearTimeout(timer); resolve(true) } })
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  t.ok(await outputMatches(/listening on http:\/\/[^:]+:\d+/), `the service started\n${output}`)
  t.match(output, new RegExp(`listening on http://[^:]+:${port}\\b`), 'on the port foreman gave it')
  const url = `http://127.0.0.1:${port}`
  const put = async (name: string, code: string): Promise<number> => (await fetch(`${url}/api/functions/procfile/${name}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code })
  })).status
  const invoke = async (name: string, event: unknown): Promise<{ status: number, body: Record<string, unknown> }> => {
    const r = await fetch(`${url}/api/v1/functions/procfile/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })
    return { status: r.status, body: await r.json() as Record<string, unknown> }
  }
  t.equal(await put('hello', 'export async function handler (e) { return "hi " + e.name }'), 201)
  t.equal(await put('slow', await fixture('slow.js')), 201)
  t.match(await invoke('hello', { name: 'foreman' }), { status: 200, body: { success: true, result: 'hi foreman' } })

  // SIGTERM once the slow invocation is on its way to a sandbox host (its log line says so), not after a guessed delay.
  const inFlight = invoke('slow', { ms: 2000 })
  t.ok(await outputMatches(/"msg":"Function invocation: procfile\/slow"/), 'the slow invocation started')
  child.kill('SIGTERM')
  t.ok(await outputMatches(/SIGTERM received: draining/), 'the web process got the SIGTERM')
  // While it drains (the slow invocation still runs), new work is answered, not refused or left hanging.
  const health = await fetch(`${url}/health`)
  t.equal(health.status, 503)
  t.match(await health.json(), { status: 'draining' })
  t.match(await invoke('hello', { name: 'late' }), { status: 503, body: { error: 'Service shutting down' } })
  const slow = await inFlight
  t.equal(slow.status, 200, 'the invocation running when SIGTERM came was answered')
  t.equal(slow.body.result, 'slow done')
  t.equal(await exited, 0, `foreman exited 0\n${output}`)
  t.match(output, /web\.1\s+\| exited with code 0/, 'the web process exited 0')
  // Platform convention: logs on stdout, one event per line; with LOG_FORMAT=json nothing else reaches it (no
  // sandbox host output, no stray warning), so every line foreman relayed from web.1 is one JSON object (foreman's
  // own notes about the process share its prefix).
  const lines = webLines(output).filter((l) => !/^(?:started with pid|exited with code|terminated by) /.test(l))
  t.ok(lines.length >= 6, `${lines.length} lines from web.1`)
  for (const line of lines) {
    let entry: Record<string, unknown> | undefined
    try { entry = JSON.parse(line) as Record<string, unknown> } catch {}
    t.match(entry, { time: String, level: String, msg: String }, `a JSON log line: ${line}`)
  }
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
  t.same(tables.map((r) => r.table_name), ['env_vars', 'functions', 'schema_migrations'])
  const again = runTool(foreman as string, ['run', 'release'], { cwd: ROOT, env: serviceEnv({ DATABASE_SCHEMA: schema }) })
  t.equal(again.status, 0, again.output)
  t.match(again.output, /migrations applied: none pending/, 'running it again is harmless')
})
