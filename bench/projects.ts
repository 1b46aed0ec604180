import autocannon from 'autocannon'

/**
 * The multi-tenant figure of issue 11: the hello function deployed in N projects and invoked round-robin over them
 * (every request goes to the next project, whichever connection sends it), after a first round that forks the
 * projects' hosts and a warm-up load as long as the measured one (each host's JIT warms on its own share of the
 * traffic), so that what is measured is a service keeping many projects warm. Restarts are read from /health before
 * and after the measured load: a warm pool restarts nothing.
 */

export interface ProjectsLoad {
  projects: number
  connections: number
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  /** Host restarts (any reason) during the measured load, after the warm-up. */
  restartsDuringLoad: number
  /** Sandbox hosts alive after the load, the bound in force, and what they cost together (PSS, MB). */
  hosts: number
  maxHosts: number
  hostsMemoryMb: number
  /** The first round: one invocation of every project, `connections` at a time (the forks of their hosts). */
  warmUpMs: number
}

const HELLO = 'export async function handler (event) { return { message: `Hello, ${event.name}!` } }'
const BODY = JSON.stringify({ name: 'bench' })
const JSON_HEADERS = { 'content-type': 'application/json' }

async function health (base: string): Promise<{ sandboxes: { size: number, restarts: number } }> {
  return await (await fetch(`${base}/health`)).json() as { sandboxes: { size: number, restarts: number } }
}

/** A gauge of the service's own /metrics, 0 when it is absent. */
async function gauge (base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
}

export async function projectsLoad (port: number, projects: number, connections: number, seconds: number): Promise<ProjectsLoad> {
  const base = `http://127.0.0.1:${port}`
  const names = Array.from({ length: projects }, (_, i) => `bench-p${i}`)
  for (const p of names) {
    const res = await fetch(`${base}/api/functions/${p}/hello`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ code: HELLO }) })
    if (!res.ok) throw new Error(`deploy ${p}: ${res.status} ${await res.text()}`)
  }
  // Warm-up: every project once, as many at a time as will be measured.
  const started = Date.now()
  for (let i = 0; i < names.length; i += connections) {
    await Promise.all(names.slice(i, i + connections).map(async (p) => {
      const res = await fetch(`${base}/api/v1/functions/${p}/hello`, { method: 'POST', headers: JSON_HEADERS, body: BODY })
      await res.arrayBuffer()
    }))
  }
  const warmUpMs = Date.now() - started
  let next = 0
  const roundRobin = { method: 'POST', headers: JSON_HEADERS, body: BODY, setupRequest: (req: { path?: string }) => ({ ...req, path: `/api/v1/functions/${names[next++ % names.length] as string}/hello` }) }
  await autocannon({ url: base, connections, duration: seconds, requests: [roundRobin] })
  const before = await health(base)
  const r = await autocannon({ url: base, connections, duration: seconds, requests: [roundRobin] })
  const after = await health(base)
  // The hosts are measured every 10 s; /metrics reports the last measurement.
  await new Promise((resolve) => setTimeout(resolve, 10_500))
  return {
    projects,
    connections,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    restartsDuringLoad: after.sandboxes.restarts - before.sandboxes.restarts,
    hosts: after.sandboxes.size,
    maxHosts: await gauge(base, 'functions_sandbox_hosts_limit'),
    hostsMemoryMb: Math.round(await gauge(base, 'functions_sandbox_hosts_memory_bytes') / 1024 / 1024),
    warmUpMs
  }
}

/** `node dist/bench/projects.js <port> <projects> [connections] [seconds]`: one figure against a running service. */
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const [port, projects, connections, seconds] = process.argv.slice(2).map(Number)
  projectsLoad(port as number, projects as number, connections ?? 16, seconds ?? 6).then((r) => { console.log(JSON.stringify(r)) }, (err: unknown) => { console.error(err); process.exit(1) })
}
