import type { HostLimits, InvokeMessage, ParentMessage } from './protocol.js'
import { InvocationRunner } from './invocation-runner.js'

/**
 * Sandbox host entry, forked by the supervisor with an empty environment and the limits as argv[2]. It never
 * writes to stdout or stderr, ignores the platform's signals (the parent stops it), and never dies of a user
 * error: errors of the realm surface in process handlers here and are dropped.
 */
// A function at the stack limit can still catch a HOST RangeError: Node's own stack-formatting callback (host code
// that runs when a realm error's `.stack` is first read) may overflow, and no realm code runs before it to intervene.
// Through that error the host's intrinsics are reachable. Code generation is off in hosts (layer 2), but the host's
// Error.prepareStackTrace would let one invocation's function format every later host error, other tenants'
// invocations included: it is pinned here to "unset", so Node keeps its internal formatter.
Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, configurable: false, enumerable: false })

function parseLimits (raw: string | undefined): HostLimits {
  const parsed = JSON.parse(raw ?? '{}') as Partial<HostLimits>
  const num = (v: unknown, fallback: number): number => typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback
  return {
    maxLogLines: num(parsed.maxLogLines, 1000),
    maxLogBytes: num(parsed.maxLogBytes, 262144),
    maxResultBytes: num(parsed.maxResultBytes, 6291456)
  }
}

/**
 * Without a channel there is no parent to serve: exit. Any other error from process.send (a stack overflow when a
 * log line is emitted at the stack limit) propagates to the caller, which drops that one message; exiting there
 * would let user code end the host on purpose.
 */
function send (message: unknown): void {
  if (process.send === undefined || !process.connected) process.exit(0)
  process.send(message)
}

/** No realm could be built: end with a failure code so the supervisor replaces this host and counts a crash. */
function fatal (): void {
  process.exit(70)
}

function isInvoke (m: Record<string, unknown>): m is Record<string, unknown> & InvokeMessage {
  const c = m.context as Record<string, unknown> | undefined
  return typeof m.id === 'string' && typeof m.sha256 === 'string' && typeof m.filePath === 'string' && typeof m.event === 'string' &&
    (m.code === undefined || typeof m.code === 'string') && typeof m.envId === 'number' && (m.env === undefined || typeof m.env === 'string') &&
    (m.mask === undefined || (Array.isArray(m.mask) && m.mask.every((x) => typeof x === 'string'))) &&
    typeof c === 'object' && c !== null &&
    typeof c.functionName === 'string' && typeof c.projectId === 'string' && typeof c.invocationId === 'string' &&
    typeof c.timestamp === 'string' && typeof c.timeoutMs === 'number'
}

const runner = new InvocationRunner(parseLimits(process.argv[2]), send, fatal)

const handlers: Record<ParentMessage['type'], (m: Record<string, unknown>) => void> = {
  invoke (m) { if (isInvoke(m)) runner.invoke(m) },
  shutdown () { process.exit(0) }
}

process.on('SIGTERM', () => {})
process.on('SIGINT', () => {})
process.on('disconnect', () => { process.exit(0) })
process.on('uncaughtException', () => {})
process.on('unhandledRejection', () => {})
process.on('message', (m: unknown) => {
  if (typeof m !== 'object' || m === null) return
  const type = (m as { type?: unknown }).type
  if (type === 'invoke' || type === 'shutdown') handlers[type](m as Record<string, unknown>)
})
send({ type: 'ready', runtime: `node${process.versions.node.split('.')[0] ?? ''}` })
