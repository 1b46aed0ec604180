import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { needs } from '../helpers/backends.js'
import { eventually, startService } from '../helpers/service.js'
import { metricNames } from './promql-names.js'
import { findTool, runTool } from './tool.js'

// The real Prometheus tooling (Debian's `prometheus` package; .ci/run installs it) against a real scrape.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const promtool = findTool('promtool')

interface Dashboard {
  uid: string
  panels: Array<Panel & { panels?: Panel[] }>
  templating: { list: Array<{ name: string, type: string, query?: unknown, definition?: string }> }
}
interface Panel { id: number, title: string, gridPos?: { w: number, h: number }, datasource?: { uid?: string }, targets?: Array<{ expr: string }> }

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

t.test('promtool accepts the alerting rules, their unit tests and the scrape example', async t => {
  if (!needs('promtool (Debian package prometheus)', promtool !== undefined)) return
  const rules = runTool(promtool as string, ['check', 'rules', `${ROOT}ops/prometheus/alerts.yml`])
  t.equal(rules.status, 0, rules.output)
  t.match(rules.output, /SUCCESS: 5 rules found/)
  // The rules' unit tests: each alert fires on an instance in trouble (and only there) with synthetic series.
  const unit = runTool(promtool as string, ['test', 'rules', `${ROOT}ops/prometheus/alerts.test.yml`])
  t.equal(unit.status, 0, unit.output)
  t.match(unit.output, /SUCCESS/)
  const config = runTool(promtool as string, ['check', 'config', '--syntax-only', `${ROOT}ops/prometheus/prometheus.yml`])
  t.equal(config.status, 0, config.output)
})

t.test('every metric the dashboard and the alerts query is one the service exports', async t => {
  const svc = await startService()
  t.teardown(() => svc.stop())
  await svc.deploy('ops', 'ok', 'export async function handler () { return 1 }')
  await svc.invoke('ops', 'ok')
  const exported = exportedNames((await svc.call('GET', '/metrics')).text)
  const dashboard = JSON.parse(await readFile(`${ROOT}ops/grafana/functions.json`, 'utf8')) as Dashboard
  // Panels may sit inside collapsed rows; every panel's queries count.
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])])
  const titles = panels.map((p) => p.title.toLowerCase())
  for (const want of ['outcome', 'latency', 'queue', 'hosts', 'restarts', 'cache', 'event-loop', 'memory']) {
    t.ok(titles.some((title) => title.includes(want)), `a panel about ${want}`)
  }
  t.ok(dashboard.templating.list.some((v) => v.type === 'datasource' && v.query === 'prometheus'), 'the Prometheus data source is a variable')
  // What Grafana's import needs of the file: a stable uid, and every panel placed with an id of its own.
  t.type(dashboard.uid, 'string')
  t.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids are unique')
  for (const p of panels) t.ok(p.gridPos !== undefined && p.gridPos.w > 0 && p.gridPos.h > 0, `${p.title}: placed on the grid`)
  for (const p of panels) if (p.targets !== undefined) t.equal(p.datasource?.uid, '${datasource}', `${p.title}: uses the data source variable`)
  const alerts = parse(await readFile(`${ROOT}ops/prometheus/alerts.yml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string, expr: string }> }> }
  const alertExprs = alerts.groups.flatMap((g) => g.rules).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))
  t.same(alertExprs.map((a) => a.where).sort(), ['FunctionsHighErrorRatio', 'FunctionsInstanceDown', 'FunctionsQueueSaturated', 'FunctionsSandboxCrashLoop', 'FunctionsTimeouts'].map((n) => `alert ${n}`),
    'error ratio, timeouts, crash loop, queue saturation, instance down')
  const exprs = [
    ...panels.flatMap((p) => (p.targets ?? []).map((target) => ({ where: p.title, expr: target.expr }))),
    // Grafana's label_values(<selector>, <label>): the selector is PromQL, the label is not a metric.
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `variable ${v.name}`, expr: (/^label_values\((.*),\s*\w+\)$/.exec(v.definition ?? '')?.[1]) ?? String(v.definition) })),
    ...alertExprs
  ]
  t.ok(exprs.some(({ expr }) => /histogram_quantile\(0\.99,.*_bucket/.test(expr)), 'latency percentiles from the histogram buckets')
  for (const { where, expr } of exprs) {
    const names = metricNames(expr)
    t.ok(names.length > 0, `${where}: names a metric`)
    // `up` is Prometheus's own series for every target; every other name must be in the service's scrape.
    for (const name of names) if (name !== 'up') t.ok(exported.has(name), `${where}: ${name} is exported`)
  }
})
