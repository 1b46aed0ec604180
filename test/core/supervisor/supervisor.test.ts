import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SANDBOX_HOST_FLAGS, SANDBOX_HOST_SCRIPT } from '../../../core/app.js'
import { compileSource } from '../../../core/compile/compile-source.js'
import { createLogger } from '../../../core/logger.js'
import { Supervisor } from '../../../core/supervisor/supervisor.js'
import type { InvocationRequest, SupervisorOptions } from '../../../core/supervisor/types.js'
import '../../helpers/clean-spawn.js'
import { eventually } from '../../helpers/service.js'

const fixtureHost = (name: string): string => fileURLToPath(new URL(`../../fixtures/hosts/${name}.js`, import.meta.url))
const lines: string[] = []
const log = createLogger({ level: 'debug', format: 'json', write: (l) => { lines.push(l) } })

function supervisor (opts: Partial<SupervisorOptions> = {}): Supervisor {
  const s = new Supervisor({
    hostScript: SANDBOX_HOST_SCRIPT,
    poolSize: 2,
    spares: 1,
    memoryMb: 64,
    maxInvocationsPerHost: 1000,
    maxQueue: 10,
    queueTimeoutMs: 30_000,
    limits: { maxLogLines: 100, maxLogBytes: 10000, maxResultBytes: 100000 },
    log,
    execArgv: [...SANDBOX_HOST_FLAGS],
    ...opts
  })
  t.teardown(() => s.destroy())
  return s
}

let seq = 0
function request (projectId: string, source: string, event: unknown = {}): InvocationRequest {
  const c = compileSource(source, 'api/f.js')
  if (!c.ok) throw new Error(c.message)
  return { invocationId: `inv-${++seq}`, projectId, functionName: 'f', filePath: 'api/f.js', sha256: c.sha256, compiled: c.compiled, event: JSON.stringify(event), timeoutMs: 5000, envKey: 'none', openEnv: () => ({ json: '{}', mask: [] }) }
}

// Reports which host ran it: the sandbox has no process, but a realm-global counter per context proves nothing, so
// tests read pids from the supervisor instead.
const ECHO = 'export async function handler (e) { return e }'

t.test('a host serves one project for its whole life (tenant affinity)', async t => {
  // Three projects over a bound of three hosts: hosts of other projects must be retired to make room.
  const s = supervisor({ poolSize: 2, spares: 1, maxHosts: 3 })
  await s.start()
  const seen = new Map<string, Set<string | null>>()
  for (let i = 0; i < 12; i++) {
    const project = ['a', 'b', 'c'][i % 3] as string
    const out = await s.run(request(project, ECHO, { i }))
    t.equal(out.outcome, 'success', JSON.stringify(out))
    for (const h of s.hostPids()) {
      const key = String(h.pid)
      if (!seen.has(key)) seen.set(key, new Set())
      seen.get(key)?.add(h.projectId)
    }
  }
  for (const [pid, projects] of seen) {
    const bound = [...projects].filter((p) => p !== null)
    t.ok(bound.length <= 1, `host ${pid} served ${bound.join(', ')}`)
  }
  t.ok(s.stats().restartsByReason.recycle > 0, 'hosts of other projects were retired to make room')
})

t.test('the spare taken by a new project is replaced after its invocation is answered, not during it', async t => {
  const s = supervisor({ poolSize: 2, spares: 1 })
  await s.start()
  t.equal(s.hostPids().length, 1, 'one warm spare at start')
  const out = await s.run(request('fresh', ECHO, { n: 1 }))
  t.equal(out.outcome, 'success')
  // Forking blocks the front's event loop (page tables of the whole process); the answer came first.
  t.same(s.hostPids().map((h) => h.projectId), ['fresh'], 'no fork yet when the answer arrived')
  t.ok(await eventually(async () => s.hostPids().filter((h) => h.projectId === null && h.state === 'idle').length === 1), 'a new spare follows')
})

t.test('code is sent once per host: the cached script is what runs for the same sha256', async t => {
  const s = supervisor({ poolSize: 1 })
  await s.start()
  const first = request('p', 'export async function handler () { return "original" }')
  t.match(await s.run(first), { outcome: 'success', result: '"original"' })
  const tampered = { ...request('p', ECHO), sha256: first.sha256, invocationId: 'inv-tampered' }
  const out = await s.run(tampered)
  t.match(out, { outcome: 'success', result: '"original"' }, 'the host used its cached script, so the code was not sent again')
})

t.test('a host is recycled after its invocation budget', async t => {
  const s = supervisor({ poolSize: 1, maxInvocationsPerHost: 2 })
  await s.start()
  for (let i = 0; i < 5; i++) t.match(await s.run(request('p', ECHO, i)), { outcome: 'success', result: String(i) })
  t.ok(await eventually(async () => s.stats().restartsByReason.recycle >= 2), 'hosts were retired after two invocations each')
})

t.test('a forged result for another invocation gets the host killed, not trusted', async t => {
  const s = supervisor({ hostScript: fixtureHost('forger'), execArgv: [] })
  await s.start()
  const out = await s.run(request('p', ECHO))
  t.match(out, { outcome: 'crash', message: 'Sandbox host protocol violation' })
  t.ok(lines.some((l) => l.includes('answered an invocation it is not running')))
})

t.test('a malformed message or a log flood gets the host killed', async t => {
  const bad = supervisor({ hostScript: fixtureHost('malformed'), execArgv: [] })
  await bad.start()
  t.match(await bad.run(request('p', ECHO)), { outcome: 'crash', message: 'Sandbox host protocol violation' })
  const flood = supervisor({ hostScript: fixtureHost('flooder'), execArgv: [] })
  await flood.start()
  t.match(await flood.run(request('p', ECHO)), { outcome: 'crash', message: 'Sandbox host protocol violation' })
  t.ok(lines.some((l) => l.includes('exceeded the log limits')))
})

t.test('hosts that cannot start open the breaker instead of spinning', async t => {
  const s = supervisor({ hostScript: fixtureHost('dies-at-start'), execArgv: [] })
  const started = Date.now()
  await t.rejects(s.start(), { code: 'FN_ERR_SANDBOX_UNAVAILABLE', message: /keep failing to start/ })
  t.ok(Date.now() - started > 100 + 150 + 225, 'it backed off between attempts')
  t.match(s.stats().degraded, /5 in a row/)
  await t.rejects(s.run(request('p', ECHO)), { code: 'FN_ERR_SANDBOX_UNAVAILABLE' })
})

t.test('a queued invocation leaves the queue when its client goes away', async t => {
  const s = supervisor({ poolSize: 1 })
  await s.start()
  const spin = request('p', 'export async function handler () { while (true) {} }')
  spin.timeoutMs = 800
  const running = s.run(spin)
  const abort = new AbortController()
  const queued = s.run(request('p', ECHO), abort.signal)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(s.stats().queueDepth, 1)
  abort.abort()
  await t.rejects(queued, { code: 'FN_ERR_OVERLOADED' })
  t.equal(s.stats().queueDepth, 0)
  t.match(await running, { outcome: 'timeout' })
})

t.test('close lets running work finish, then refuses new work', async t => {
  const s = supervisor({ poolSize: 1 })
  await s.start()
  const slow = s.run(request('p', 'export async function handler () { const end = Date.now() + 300; while (Date.now() < end) {} return "done" }'))
  await new Promise((resolve) => setTimeout(resolve, 50))
  const closed = s.close(5000)
  await t.rejects(s.run(request('p', ECHO)), { code: 'FN_ERR_SHUTTING_DOWN' })
  t.match(await slow, { outcome: 'success', result: '"done"' })
  await closed
  t.same(s.stats().hosts, { starting: 0, idle: 0, busy: 0 })
})

t.test('below the host bound every project keeps its warm host: nothing is retired after the first round', async t => {
  const s = supervisor({ poolSize: 2, spares: 1, maxHosts: 20 })
  await s.start()
  const projects = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']
  const hostOf = (p: string): Array<number | undefined> => s.hostPids().filter((h) => h.projectId === p).map((h) => h.pid)
  for (const p of projects) t.match(await s.run(request(p, ECHO, { p })), { outcome: 'success' })
  const firstRound = new Map(projects.map((p) => [p, hostOf(p)]))
  for (let round = 0; round < 3; round++) {
    for (const p of projects) t.match(await s.run(request(p, ECHO, { p, round })), { outcome: 'success' })
  }
  for (const p of projects) t.same(hostOf(p), firstRound.get(p), `${p} kept its host`)
  t.equal(s.stats().restarts, 0, 'no host was retired or replaced')
  t.ok(await eventually(async () => s.hostPids().some((h) => h.projectId === null && h.state === 'idle')), 'a spare is still kept ahead')
})

t.test('at the host bound the least recently used project is retired, not a project with work waiting', async t => {
  // poolSize 1 + one spare: a bound of 3 keeps two projects' hosts and the spare.
  const s = supervisor({ poolSize: 1, spares: 1, maxHosts: 3 })
  await s.start()
  const pidOf = (p: string): number | undefined => s.hostPids().find((h) => h.projectId === p && h.state !== 'dead')?.pid
  await s.run(request('old', ECHO))
  await s.run(request('recent', ECHO))
  t.ok(await eventually(async () => s.hostPids().length === 3), 'two bound hosts and a spare: at the bound')
  const recentPid = pidOf('recent')
  await s.run(request('old', ECHO))
  const oldPid = pidOf('old')
  // A new project takes the spare; making room for the next spare retires the least recently used: `recent`.
  await s.run(request('new', ECHO))
  t.ok(await eventually(async () => pidOf('recent') === undefined && s.hostPids().length === 3), 'recent was retired, a spare forked in its place')
  t.equal(pidOf('old'), oldPid, 'the project used last kept its host')
  t.not(recentPid, undefined)
  t.equal(s.stats().restartsByReason.recycle, 1)
  t.equal(s.stats().maxHosts, 3)
})

t.test('a queued invocation waits for a host up to QUEUE_TIMEOUT_MS, not its own timeout', async t => {
  const s = supervisor({ poolSize: 1, queueTimeoutMs: 30_000 })
  await s.start()
  const busy = request('p', 'export async function handler () { const end = Date.now() + 600; while (Date.now() < end) {} return "busy" }')
  const running = s.run(busy)
  // Its own limit on running is 200 ms; it waits about 600 ms for the host and is then run, not refused.
  const queued = request('p', ECHO, 'queued')
  queued.timeoutMs = 200
  t.match(await s.run(queued), { outcome: 'success', result: '"queued"' })
  t.match(await running, { outcome: 'success' })

  const short = supervisor({ poolSize: 1, queueTimeoutMs: 150 })
  await short.start()
  const spin = request('p', 'export async function handler () { while (true) {} }')
  spin.timeoutMs = 1000
  const spinning = short.run(spin)
  await t.rejects(short.run(request('p', ECHO)), { code: 'FN_ERR_OVERLOADED', detail: 'no sandbox host was free within QUEUE_TIMEOUT_MS (150 ms)' })
  t.match(await spinning, { outcome: 'timeout' })
})

t.test('variables reach the function; a host keeps each set by id and is sent it again only after evicting it', async t => {
  const s = supervisor({ poolSize: 1 })
  await s.start()
  const READ = 'export async function handler () { return process.env.WHO ?? null }'
  const run = async (who: string | undefined): Promise<unknown> => {
    const envJson = JSON.stringify(who === undefined ? {} : { WHO: who })
    const req = { ...request('p', READ), envKey: `key of ${envJson}`, openEnv: () => ({ json: envJson, mask: [] }) }
    const out = await s.run(req)
    if (out.outcome !== 'success') throw new Error(JSON.stringify(out))
    return JSON.parse(out.result)
  }
  t.equal(await run('a'), 'a')
  t.equal(await run('b'), 'b')
  t.equal(await run('a'), 'a', 'a set seen before, held by the host')
  t.equal(await run(undefined), null)
  // More sets than the host keeps (ENV_CACHE_SIZE 64): the oldest are evicted on both sides and sent again.
  for (let i = 0; i < 70; i++) t.equal(await run(`n${i}`), `n${i}`)
  t.equal(await run('a'), 'a', 'an evicted set is sent again, never served stale or missing')
  t.equal(await run('n69'), 'n69')
})
