import type { RestartReason } from './types.js'

export interface ExitFacts {
  /** The supervisor killed it at an invocation's deadline. */
  timedOut: boolean
  /** The supervisor retired it (invocation budget, eviction, shutdown). */
  retired: boolean
  /** The last bytes it wrote to stderr (V8 writes its fatal OOM message there). */
  stderrTail: string
}

const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit|heap limit Allocation failed|Fatal process out of memory|process out of memory/

/** Why a sandbox host went away, in the four reasons of the restart metric. Pure, so it is tested on its own. */
export function exitReason (code: number | null, signal: NodeJS.Signals | null, facts: ExitFacts): RestartReason {
  if (facts.timedOut) return 'timeout'
  if (HEAP_EXHAUSTED.test(facts.stderrTail)) return 'memory'
  if (facts.retired) return 'recycle'
  // An abort without V8's message is still most likely the heap: V8 aborts on allocation failure.
  if (signal === 'SIGABRT' && code === null && facts.stderrTail.includes('FATAL ERROR')) return 'memory'
  return 'crash'
}
