import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { dropRedisPrefix, dropSchema } from '../test/helpers/backend-cleanup.js'
import { projectsLoad } from './projects.js'

/**
 * `npm run bench`: the real service (embedded store, or PostgreSQL/Redis when their URLs are set) against a bare
 * Polka echo endpoint measured in the same run, every figure also as a ratio to that ceiling, since this machine is
 * shared and noisy. Results go to bench/results/<time>.json.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const BODY = JSON.stringify({ name: 'bench' })

interface Proc { child: ChildProcess, port: number, output: () => string }

async function startProcess (script: string, env: Record<string, string>, portPattern: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [join(ROOT, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (c) => { out += c })
  child.stderr?.on('data', (c) => { out += c })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${script} did not start: ${out}`)) }, 60000)
    child.stdout?.on('data', () => {
      const m = portPattern.exec(out)
      if (m !== null) { clearTimeout(timer); resolve(Number(m[1])) }
    })
    child.once('exit', (code) => { reject(new Error(`${script} exited ${code}: ${out}`)) })
  })
  return { child, port, output: () => out }
}

async function stop (p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return
  const exited = new Promise((resolve) => p.child.once('exit', resolve))
  p.child.kill('SIGTERM')
  await exited
}

async function waitHealthy (port: number, started: number): Promise<number> {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return Date.now() - started
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => { resolve(port) })
    })
  })
}

/** The service logs at warn (per-invocation info lines would be measured too), so its port is chosen here. */
async function startService (dataDir: string, extra: Record<string, string>): Promise<{ proc: Proc, readyMs: number }> {
  const port = await freePort()
  const started = Date.now()
  const child = spawn(process.execPath, [join(ROOT, 'dist/core/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_SCHEMA: `bench_${process.pid}`, REDIS_PREFIX: `bench:${process.pid}`, ...extra },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (c) => { out += c })
  child.stderr.on('data', (c) => { out += c })
  const proc = { child, port, output: () => out }
  return { proc, readyMs: await waitHealthy(port, started) }
}

async function deploy (port: number, name: string, code: string, extra: object = {}): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/functions/bench/${name}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, ...extra })
  })
  if (!res.ok) throw new Error(`deploy ${name}: ${res.status} ${await res.text()}`)
}

async function invoke (port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/functions/bench/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
  await res.arrayBuffer()
  return res.status
}

interface Load { rps: number, p50: number, p99: number, max: number, errors: number, non2xx: number }

async function load (url: string, connections: number): Promise<Load> {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections, duration: DURATION })
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errors + r.timeouts, non2xx: r.non2xx }
}

async function rssKb (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
}

async function childPids (pid: number): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry))
  }
  return pids
}

/** Latency of one invocation right after a write invalidated the function's cache entry (same code, so no recompile). */
async function cacheMissMs (port: number, rounds: number): Promise<{ missP50: number, hitP50: number }> {
  const miss: number[] = []
  const hit: number[] = []
  for (let i = 0; i < rounds; i++) {
    await fetch(`http://127.0.0.1:${port}/api/v1/functions/bench/hello`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"is_active":true}' })
    let s = performance.now()
    await invoke(port, 'hello')
    miss.push(performance.now() - s)
    s = performance.now()
    await invoke(port, 'hello')
    hit.push(performance.now() - s)
  }
  const median = (xs: number[]): number => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)])
  return { missP50: median(miss), hitP50: median(hit) }
}

/** Every figure for one backend configuration; the bare endpoint's figures are shared by all configurations. */
async function runBackend (name: string, env: Record<string, string>, bareLoads: Map<number, Load>): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { backend: name }
  const dataDir = await mkdtemp(join(os.tmpdir(), 'fn-bench-'))
  let { proc: svc, readyMs } = await startService(dataDir, env)
  results.startupFreshMs = readyMs
  try {
    const port = svc.port
    const t0 = Date.now()
    await deploy(port, 'hello', 'export async function handler (event) { return { message: `Hello, ${event.name}!` } }')
    const deployMs = Date.now() - t0
    const t1 = performance.now()
    await invoke(port, 'hello')
    results.coldStart = { deployMs, firstInvocationMs: round(performance.now() - t1) }
    const warm: number[] = []
    for (let i = 0; i < 200; i++) { const s = performance.now(); await invoke(port, 'hello'); warm.push(performance.now() - s) }
    warm.sort((a, b) => a - b)
    results.warmSequentialMs = { p50: round(warm[100]), p99: round(warm[198]) }
    results.cacheMiss = await cacheMissMs(port, 50)
    console.log(`[${name}] cache miss (storage read) p50 ${(results.cacheMiss as { missP50: number }).missP50} ms vs hit ${(results.cacheMiss as { hitP50: number }).hitP50} ms`)

    const hello: Record<string, unknown> = {}
    for (const c of [1, 10, 50]) {
      const b = bareLoads.get(c) as Load
      const s = await load(`http://127.0.0.1:${port}/api/v1/functions/bench/hello`, c)
      hello[`c${c}`] = { bare: b, service: s, ratio: round(s.rps / b.rps, 3) }
      console.log(`[${name}] hello c=${c}: service ${s.rps} req/s (p50 ${s.p50} ms, p99 ${s.p99} ms) vs bare ${b.rps} req/s → ${round(100 * s.rps / b.rps, 1)}%`)
    }
    results.hello = hello

    // Variables (issue 12): the same hello with 20 variables of its own, alternating with the bare one, at 10 clients.
    const twentyVariables = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`VARIABLE_${i}`, `value-${i}-${'x'.repeat(24)}`]))
    await deploy(port, 'hello-env', 'export async function handler (event) { return { message: `Hello, ${event.name}!`, region: process.env.VARIABLE_0 } }', { env: twentyVariables })
    const plainRuns: Load[] = []
    const envRuns: Load[] = []
    for (let i = 0; i < 2; i++) {
      plainRuns.push(await load(`http://127.0.0.1:${port}/api/v1/functions/bench/hello`, 10))
      envRuns.push(await load(`http://127.0.0.1:${port}/api/v1/functions/bench/hello-env`, 10))
    }
    const mean = (runs: Load[]): number => Math.round(runs.reduce((a, r) => a + r.rps, 0) / runs.length)
    results.variables = { none: plainRuns, twenty: envRuns, ratio: round(mean(envRuns) / mean(plainRuns), 3) }
    console.log(`[${name}] 20 variables c=10: ${mean(envRuns)} req/s vs none ${mean(plainRuns)} req/s → ${round(100 * mean(envRuns) / mean(plainRuns), 1)}%`)

    // Many tenants (issue 11): hello at 16 in flight over 1, 20 and 200 projects, round-robin, after a warm-up round.
    const one = await projectsLoad(port, 1, 16, DURATION)
    const twenty = await projectsLoad(port, 20, 16, DURATION)
    const twoHundred = await projectsLoad(port, 200, 16, DURATION)
    results.projects = { one, twenty, twoHundred, twentyToOne: round(twenty.rps / one.rps, 3) }
    for (const r of [one, twenty, twoHundred]) {
      console.log(`[${name}] ${r.projects} project(s) c=16: ${r.rps} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms), ${r.restartsDuringLoad} restarts during load, ${r.hosts} hosts (bound ${r.maxHosts}, ${r.hostsMemoryMb} MB), warm-up ${r.warmUpMs} ms`)
    }

    await deploy(port, 'cpu', 'export async function handler () { const end = Date.now() + 5; let n = 0; while (Date.now() < end) n++; return n }')
    const cpu = await load(`http://127.0.0.1:${port}/api/v1/functions/bench/cpu`, 10)
    results.cpuBound5ms = { ...cpu, poolSize: os.availableParallelism(), idealRps: Math.round(os.availableParallelism() * 1000 / 5) }
    console.log(`[${name}] cpu 5 ms c=10: ${cpu.rps} req/s (ideal ${os.availableParallelism() * 200})`)

    // Timeout kill → ready replacement, with hello traffic running beside it.
    await deploy(port, 'spin', 'export async function handler () { while (true) {} }', { timeout_ms: 300 })
    const health = async (): Promise<any> => await (await fetch(`http://127.0.0.1:${port}/health`)).json()
    const before = await health()
    const side = load(`http://127.0.0.1:${port}/api/v1/functions/bench/hello`, 4)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const killStatus = await invoke(port, 'spin')
    const killedAt = performance.now()
    let replacedMs = -1
    for (let i = 0; i < 2000; i++) {
      const h = await health()
      if (h.sandboxes.restarts > before.sandboxes.restarts && h.sandboxes.size >= before.sandboxes.size) { replacedMs = round(performance.now() - killedAt); break }
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    const sideLoad = await side
    results.timeoutKill = { status: killStatus, replacementReadyMs: replacedMs, sideTraffic: sideLoad }
    console.log(`[${name}] timeout kill: replacement ready ${replacedMs} ms after the 504; side traffic p99 ${sideLoad.p99} ms, max ${sideLoad.max} ms, errors ${sideLoad.errors}`)

    // Memory after many invocations.
    const rssBefore = await rssKb(svc.child.pid as number)
    await autocannon({ url: `http://127.0.0.1:${port}/api/v1/functions/bench/hello`, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections: 10, amount: 100000 } as never)
    results.memory = {
      frontRssMbBefore: round(rssBefore / 1024),
      frontRssMbAfter100k: round(await rssKb(svc.child.pid as number) / 1024),
      sandboxHostRssMb: await Promise.all((await childPids(svc.child.pid as number)).map(async (p) => round(await rssKb(p) / 1024)))
    }
    console.log(`[${name}] memory`, results.memory)
  } finally {
    await stop(svc)
  }
  ;({ proc: svc, readyMs } = await startService(dataDir, env))
  results.startupUsedMs = readyMs
  console.log(`[${name}] start-up to 200 /health: fresh ${results.startupFreshMs as number} ms, used data ${readyMs} ms`)
  await stop(svc)
  await rm(dataDir, { recursive: true, force: true })
  return results
}

async function main (): Promise<void> {
  // The embedded defaults always; PostgreSQL + Redis too when their URLs are set, in the same run.
  const backends: Array<[string, Record<string, string>]> = [['embedded+memory', { DATABASE_URL: '', REDIS_URL: '' }]]
  if ((process.env.DATABASE_URL ?? '') !== '' && (process.env.REDIS_URL ?? '') !== '') backends.push(['postgres+redis', {}])
  const bare = await startProcess('dist/bench/bare-polka.js', {}, /port (\d+)/)
  const bareLoads = new Map<number, Load>()
  for (const c of [1, 10, 50]) {
    await load(`http://127.0.0.1:${bare.port}/echo`, c) // warm-up, discarded
    bareLoads.set(c, await load(`http://127.0.0.1:${bare.port}/echo`, c))
  }
  const results: Record<string, unknown> = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, durationSeconds: DURATION,
    bare: Object.fromEntries([...bareLoads].map(([c, l]) => [`c${c}`, l])),
    backends: [] as unknown[]
  }
  for (const [name, env] of backends) (results.backends as unknown[]).push(await runBackend(name, env, bareLoads))
  await stop(bare)
  // Shared backends keep nothing of a bench run.
  await dropSchema(`bench_${process.pid}`)
  await dropRedisPrefix(`bench:${process.pid}`)

  const dir = join(ROOT, 'bench', 'results')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`written to ${file}`)
}

function round (n: number | undefined, digits = 2): number {
  const f = 10 ** digits
  return Math.round((n ?? 0) * f) / f
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
