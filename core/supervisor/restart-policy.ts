/** pm2's numbers: delay × 1.5 from 100 ms, capped at 15 s; degraded after 5 failed starts in a row. */
export const RESTART_POLICY = { initialDelayMs: 100, factor: 1.5, maxDelayMs: 15_000, breakerFailures: 5 } as const

/**
 * Backoff for hosts that fail without a user's function to blame (died before ready, or while idle). Pure state:
 * the supervisor asks it how long to wait before the next fork and tells it what happened.
 */
export class RestartPolicy {
  #failures = 0
  #lastReason = ''

  /** A host reached ready: whatever was failing works again. */
  succeeded (): void {
    this.#failures = 0
    this.#lastReason = ''
  }

  failed (reason: string): void {
    this.#failures++
    this.#lastReason = reason
  }

  /** ms to wait before the next fork; 0 when nothing has failed. */
  delayMs (): number {
    if (this.#failures === 0) return 0
    const { initialDelayMs, factor, maxDelayMs } = RESTART_POLICY
    return Math.min(maxDelayMs, Math.round(initialDelayMs * factor ** (this.#failures - 1)))
  }

  /** Non-null once hosts have failed to start often enough in a row that the pool cannot be trusted to serve. */
  degraded (): string | null {
    return this.#failures >= RESTART_POLICY.breakerFailures
      ? `sandbox hosts keep failing to start (${this.#failures} in a row; last: ${this.#lastReason})`
      : null
  }
}
