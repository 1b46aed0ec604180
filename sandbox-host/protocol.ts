/**
 * The IPC protocol between the supervisor (parent) and a sandbox host (child), one discriminated union per
 * direction. Core imports this file with `import type` only. Everything a child sends is untrusted: the
 * supervisor checks each message with `parseChildMessage` before acting on it.
 */

/** Limits the child enforces itself; passed once as the child's argv[2] (JSON), the environment being empty. */
export interface HostLimits {
  maxLogLines: number
  maxLogBytes: number
  maxResultBytes: number
}

export interface InvocationContextData {
  functionName: string
  projectId: string
  invocationId: string
  /** ISO 8601, when the invocation was dispatched. */
  timestamp: string
  /** The function's limit; context.getRemainingTimeInMillis() counts down from it. */
  timeoutMs: number
}

// ---- parent → child -------------------------------------------------------------------------------------------

export interface InvokeMessage {
  type: 'invoke'
  /** The invocation id; every reply echoes it. */
  id: string
  /** sha256 of the deployed source: the key under which the child caches the compiled script. */
  sha256: string
  /** The compiled script, sent only when the parent does not know the child to hold it already. */
  code?: string
  /** File name shown in stack traces (the function's file_path), never a host path. */
  filePath: string
  /** The event as JSON text; the child parses it with the realm's own JSON. */
  event: string
  context: InvocationContextData
  /**
   * The key under which the child holds the function's variables (project's, overridden by its own: `process.env`
   * and `context.env`), in an LRU of ENV_CACHE_SIZE the parent mirrors, as it does scripts.
   */
  envId: number
  /** The variables as JSON text (an object of strings), sent only when the parent does not know the child holds them. */
  env?: string
  /** With `env`: secret values (8 characters or more) the child replaces by `***` in every log line and error it sends. */
  mask?: string[]
}

export interface ShutdownMessage {
  type: 'shutdown'
}

export type ParentMessage = InvokeMessage | ShutdownMessage

// ---- child → parent -------------------------------------------------------------------------------------------

export interface ReadyMessage {
  type: 'ready'
  /** "node<major>" of the runtime the child runs. */
  runtime: string
}

/** One console line, sent as it happens so a kill loses none. */
export interface LogMessage {
  type: 'log'
  id: string
  line: string
}

/**
 * An invocation's outcome, sent once everything the invocation left queued has run (so it also says the host is
 * idle: one message per invocation instead of two, and the parent can dispatch the next one as it answers this one).
 * A function whose leftover work never drains is never answered and meets its deadline, as on AWS Lambda, which
 * by default answers only once the event loop is empty.
 */
export interface ResultOkMessage {
  type: 'result'
  id: string
  ok: true
  /** JSON text serialised inside the realm ("null" for undefined). */
  result: string
  /** Handler time in ms, measured by the child. */
  duration: number
}

export interface ResultErrorMessage {
  type: 'result'
  id: string
  ok: false
  /** `<ErrorName>: <message>` as docs/API.md words it, built inside the realm. */
  message: string
  duration: number
}

export type ChildMessage = ReadyMessage | LogMessage | ResultOkMessage | ResultErrorMessage

/** How many compiled scripts a host keeps (LRU); the supervisor mirrors this exactly to know when to resend code. */
export const SCRIPT_CACHE_SIZE = 256

/** How many variable sets a host keeps (LRU), mirrored by the supervisor like the scripts. */
export const ENV_CACHE_SIZE = 64

/** Largest single string field the parent accepts from a child (a result is capped lower by MAX_RESULT_BYTES). */
export const MAX_CHILD_STRING = 128 * 1024 * 1024

function isStr (v: unknown, max = MAX_CHILD_STRING): v is string {
  return typeof v === 'string' && v.length <= max
}

function isDuration (v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0
}

/**
 * Checks the shape of a message from a child. Returns the typed message, or null for anything malformed:
 * the caller treats null as a protocol violation and kills the child.
 */
export function parseChildMessage (raw: unknown): ChildMessage | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null
  const m = raw as Record<string, unknown>
  switch (m.type) {
    case 'ready':
      return isStr(m.runtime, 32) ? { type: 'ready', runtime: m.runtime } : null
    case 'log':
      return isStr(m.id, 128) && isStr(m.line) ? { type: 'log', id: m.id, line: m.line } : null
    case 'result':
      if (!isStr(m.id, 128) || !isDuration(m.duration)) return null
      if (m.ok === true && isStr(m.result)) return { type: 'result', id: m.id, ok: true, result: m.result, duration: m.duration }
      if (m.ok === false && isStr(m.message)) return { type: 'result', id: m.id, ok: false, message: m.message, duration: m.duration }
      return null
    default:
      return null
  }
}
