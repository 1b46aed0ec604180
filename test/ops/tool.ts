import { spawnSync } from 'node:child_process'

/** Where an operations tool (promtool, foreman) is on PATH, or undefined. */
export function findTool (name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  const path = found.stdout.trim()
  return found.status === 0 && path !== '' ? path : undefined
}

/** Runs a tool with `input` on stdin (`env`, when given, as its whole environment) and collects what it said. */
export function runTool (file: string, args: string[], opts: { input?: string, env?: Record<string, string>, cwd?: string } = {}): { status: number | null, output: string } {
  const r = spawnSync(file, args, { input: opts.input, encoding: 'utf8', timeout: 60_000, ...(opts.env === undefined ? {} : { env: opts.env }), ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) })
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}
