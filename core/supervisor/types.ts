import type { HostLimits } from '../../sandbox-host/protocol.js'
import type { Logger } from '../logger.js'
import type { RestartReason } from '../metrics.js'

export type { RestartReason }

export interface SupervisorOptions {
  /** Path of the sandbox host entry (dist/sandbox-host/main.js). */
  hostScript: string
  /** Invocations that may run at once (SANDBOX_POOL_SIZE). */
  poolSize: number
  /** Warm hosts bound to no project, kept ahead so binding or replacing never forks on the request path. */
  spares: number
  memoryMb: number
  maxInvocationsPerHost: number
  maxQueue: number
  /** How long a queued invocation waits for a host before 503 (QUEUE_TIMEOUT_MS). */
  queueTimeoutMs: number
  /** Hosts kept at most, idle or not (SANDBOX_MAX_HOSTS); unset, as many as `hostMemoryBudgetBytes` holds. */
  maxHosts?: number
  /** Memory the kept hosts may use together, measured (default: half of physical memory). */
  hostMemoryBudgetBytes?: number
  limits: HostLimits
  log: Logger
  /** Extra Node flags for hosts (permission model etc.). */
  execArgv?: string[]
  /** A command that wraps Node (unshare for a network namespace and an unprivileged uid); see host-launch.ts. */
  launch?: { execPath?: string, prefixArgs: string[] }
  /** How long a host may take from fork to its ready message. */
  startTimeoutMs?: number
}

export interface InvocationRequest {
  invocationId: string
  projectId: string
  functionName: string
  filePath: string
  sha256: string
  compiled: string
  /** The event as JSON text. */
  event: string
  timeoutMs: number
  /** What hosts' variable sets are known by: a sha256 of the set as stored (secrets sealed), never of a secret. */
  envKey: string
  /**
   * The set for a host that lacks it: the variables as JSON text (secrets opened) and the secret values to mask in
   * what the host sends back. Called only then, so a secret is in the front's memory no longer than that dispatch.
   * Throws FN_ERR_SECRET_UNREADABLE when a secret does not open.
   */
  openEnv: () => { json: string, mask: string[] }
}

interface Base {
  /** ms: the handler's time as the host measured it, bounded by the wall clock since dispatch. */
  duration: number
  logs: string[]
}

export type InvocationOutcome =
  | Base & { outcome: 'success', result: string }
  | Base & { outcome: 'error', message: string }
  | Base & { outcome: 'timeout' }
  | Base & { outcome: 'memory' }
  | Base & { outcome: 'crash', message: string }

export type HostState = 'starting' | 'idle' | 'busy' | 'dead'

export interface SupervisorStats {
  hosts: { starting: number, idle: number, busy: number }
  inFlight: number
  queueDepth: number
  restarts: number
  restartsByReason: Record<RestartReason, number>
  /** Why no host can start right now, or null. */
  degraded: string | null
  /** The bound on kept hosts in force. */
  maxHosts: number
  /** What the ready hosts cost together at the last measurement (proportional set sizes), 0 before one. */
  hostsMemoryBytes: number
}
