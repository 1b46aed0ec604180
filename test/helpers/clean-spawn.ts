/**
 * tap's process tracking (@tapjs/processinfo, through `process-on-spawn`) rewrites every child's NODE_OPTIONS to
 * load its coverage hooks. Sandbox hosts run under Node's permission model, which rightly refuses to load them, so
 * the suite turns that tracking off for the processes it starts: the hosts under test then get exactly the flags
 * and empty environment the supervisor gives them in production.
 */
const hooks = (globalThis as Record<symbol, { listeners?: unknown[] } | undefined>)[Symbol.for('process-on-spawn@*:singletonId')]
if (hooks?.listeners !== undefined) hooks.listeners.length = 0

/** The test process's environment without tap's injected loader, for spawning the service itself. */
export function cleanEnv (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_')) env[k] = v
  }
  return env
}
