import t from 'tap'
import postgres from 'postgres'
import { createClient } from '@keyv/redis'

/** The shared backends of CI, when their URLs are set; with CI=true an unreachable one fails the suite, never skips it. */
export const DATABASE_URL = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL
export const REDIS_URL = process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL

/** Drops a per-run schema so a run leaves nothing behind in the shared database. */
export async function dropSchema (schema: string): Promise<void> {
  if (DATABASE_URL === undefined || schema === 'public') return
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** Deletes every Redis key under a per-run prefix. */
export async function dropRedisPrefix (prefix: string): Promise<void> {
  if (REDIS_URL === undefined) return
  const client = createClient({ url: REDIS_URL })
  await client.connect()
  try {
    const keys: string[] = []
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) keys.push(...(Array.isArray(batch) ? batch : [batch]))
    if (keys.length > 0) await client.del(keys)
  } finally {
    await client.quit()
  }
}

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
