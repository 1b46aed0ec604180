import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { needs } from '../helpers/backends.js'
import { eventually, startService } from '../helpers/service.js'
import { findTool, runTool } from './tool.js'

// The real Prometheus tooling (Debian's `prometheus` package; .ci/run installs it) against a real scrape.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const promtool = findTool('promtool')

/** Metric names a PromQL expression uses: ours, prom-client's defaults, and Prometheus's own `up`. */
function metricNames (expr: string): string[] {
  return [...expr.matchAll(/\b(functions_[a-z_]+|nodejs_[a-z0-9_]+|process_[a-z_]+|up)\b(?=\s*[{[)=<>!]|\s*$|\s+(?:and|or|unless|>|<|==))/g)].map((m) => m[1] as string)
}

/** Sample names of a text exposition (histograms appear as their _bucket/_sum/_count series). */
function exportedNames (scrape: string): Set<string> {
  const names = new Set<string>()
  for (const line of scrape.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)
    if (m !== null) names.add(m[1] as string)
  }
  return names
}

/** A scrape of a service that has served successes, errors, timeouts and rejections. */
async function busyScrape (t: Test): Promise<string> {
  const svc = await startService({ SANDBOX_POOL_SIZE: '1', SANDBOX_SPARES: '0', MAX_QUEUE: '0' })
  t.teardown(() => svc.stop())
  await svc.deploy('ops', 'ok', 'export async function handler () { return 1 }')
  await svc.deploy('ops', 'bad', 'export async function handler () { throw new Error("bad") }')
  await svc.deploy('ops', 'spin', 'export async function handler () { while (true) {} }', { timeout_ms: 1000 })
  t.equal((await svc.invoke('ops', 'ok')).status, 200)
  t.equal((await svc.invoke('ops', 'bad')).status, 500)
  // While the one host spins, nothing may wait (MAX_QUEUE=0): the other invocation is refused.
  const spinning = svc.invoke('ops', 'spin')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal((await svc.invoke('ops', 'ok')).status, 503)
  t.equal((await spinning).status, 504)
  // The restart is counted when the killed host has exited, a moment after the 504.
  let scrape = ''
  t.ok(await eventually(async () => {
    scrape = (await svc.call('GET', '/metrics')).text
    return /^functions_sandbox_restarts_total\{reason="timeout"\} [1-9]/m.test(scrape)
  }), 'the timeout kill is counted')
  return scrape
}

t.test('promtool check metrics accepts a scrape of a service that served every outcome', async t => {
  if (!needs('promtool (Debian package prometheus)', promtool !== undefined)) return
  const scrape = await busyScrape(t)
  for (const outcome of ['success', 'error', 'timeout', 'rejected']) {
    t.match(scrape, new RegExp(`^functions_invocations_total\\{[^}]*outcome="${outcome}"[^}]*\\} [1-9]`, 'm'), `${outcome} counted`)
  }
  const check = runTool(promtool as string, ['check', 'metrics'], { input: scrape })
  t.equal(check.status, 0, check.output)
})

t.test('promtool accepts the alerting rules and the scrape example', async t => {
  if (!needs('promtool (Debian package prometheus)', promtool !== undefined)) return
  const rules = runTool(promtool as string, ['check', 'rules', `${ROOT}ops/prometheus/alerts.yml`])
  t.equal(rules.status, 0, rules.output)
  t.match(rules.output, /SUCCESS: 5 rules found/)
  const config = runTool(promtool as string, ['check', 'config', '--syntax-only', `${ROOT}ops/prometheus/prometheus.yml`])
  t.equal(config.status, 0, config.output)
})

t.test('every metric the dashboard and the alerts query is one the service exports', async t => {
  const svc = await startService()
  t.teardown(() => svc.stop())
  await svc.deploy('ops', 'ok', 'export async function handler () { return 1 }')
  await svc.invoke('ops', 'ok')
  const exported = exportedNames((await svc.call('GET', '/metrics')).text)
  const dashboard = JSON.parse(await readFile(`${ROOT}ops/grafana/functions.json`, 'utf8')) as { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
  const titles = dashboard.panels.map((p) => p.title.toLowerCase())
  for (const want of ['outcome', 'latency', 'queue', 'hosts', 'restarts', 'cache', 'event-loop', 'memory']) {
    t.ok(titles.some((title) => title.includes(want)), `a panel about ${want}`)
  }
  const alerts = await readFile(`${ROOT}ops/prometheus/alerts.yml`, 'utf8')
  const exprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((target) => ({ where: p.title, expr: target.expr }))),
    ...[...alerts.matchAll(/expr: (\|\n(?:\s{10}.*\n)+|.*)/g)].map((m) => ({ where: 'alerts.yml', expr: m[1] as string }))
  ]
  t.ok(exprs.length >= 15, `${exprs.length} queries`)
  for (const { where, expr } of exprs) {
    const names = metricNames(expr)
    t.ok(names.length > 0, `${where}: names a metric`)
    for (const name of names) if (name !== 'up') t.ok(exported.has(name), `${where}: ${name} is exported`)
  }
})
