/**
 * The shared backends' URLs and the clean-up of what a run left in them. No tap here: the benchmark uses it too, and
 * importing tap starts a test run with its own timeout.
 */
import postgres from 'postgres'
import { createClient } from '@keyv/redis'

/** The shared backends of CI, when their URLs are set. */
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
