import t from 'tap'

export { DATABASE_URL, REDIS_URL, dropRedisPrefix, dropSchema } from './backend-cleanup.js'

/**
 * Whether a test file may use a backend: true when it is there. Otherwise, with CI=true, the run fails (CI has every
 * backend, so a missing one is a broken environment, never a reason to skip); elsewhere it is skipped, saying why.
 */
export function needs (what: string, present: boolean): boolean {
  if (present) return true
  if (process.env.CI === 'true') t.fail(`CI=true needs ${what}: it must be tested, not skipped`)
  else t.test(what, { skip: `${what} is not available here` }, async () => {})
  return false
}
