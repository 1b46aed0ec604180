import { randomUUID } from 'node:crypto'
import { createKeyv } from '@keyv/redis'
import type { Keyv } from 'keyv'
import type { Logger } from '../../core/logger.js'
import type { FunctionCache, Plugin, RunnableFunction } from '../types.js'

/** A cache that answers slower than this is treated as down for that call: storage is the fallback, never a failure. */
const OP_TIMEOUT_MS = 250
/** Compiled code is content-addressed and never changes, so it may outlive the metadata that points at it. */
const CODE_TTL_FACTOR = 6
/** A generation must outlive any storage read in flight; an expired one only turns a fill into a miss. */
const GENERATION_TTL_MS = 10 * 60 * 1000
/** How often invalidations that failed during an outage are tried again. */
const REPLAY_INTERVAL_MS = 1000

type Meta = Omit<RunnableFunction, 'compiled'>

export interface RedisFunctionCache extends FunctionCache {
  close (): Promise<void>
}

function within<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    work,
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms) })
  ]).finally(() => { clearTimeout(timer) })
}

/**
 * The shared code cache on Redis (@keyv/redis): metadata under `{prefix}:{projectId}:{functionName}`, compiled code
 * under `{prefix}:code:{sha256}`. Redis being down never fails an invocation: reads miss, writes are skipped, and
 * one warning is logged per outage.
 */
export function createRedisFunctionCache (opts: { url: string, prefix: string, ttlMs: number, log: Logger }): RedisFunctionCache {
  const keyv: Keyv = createKeyv({
    url: opts.url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (attempts: number) => Math.min(100 * 2 ** attempts, 5000) }
  }, { namespace: opts.prefix, throwOnConnectError: false, throwOnErrors: true, connectionTimeout: 2000 })
  let down = false
  const failed = (err: unknown): undefined => {
    if (!down) {
      down = true
      opts.log.warn('code cache (Redis) unavailable: using storage until it returns', { err })
    }
    return undefined
  }
  const ok = (): void => {
    if (down) {
      down = false
      opts.log.info('code cache (Redis) is back')
    }
  }
  keyv.on('error', () => {})
  const metaKey = (projectId: string, functionName: string): string => `${projectId}:${functionName}`
  // A project's site route generation lives at `gen:routes/{projectId}`: "/" cannot occur in a project id or a
  // function name, so it never meets a function's key.
  const routesKey = (projectId: string): string => `routes/${projectId}`
  // An invalidation that failed while Redis was down is replayed until it lands: otherwise an entry cached before
  // the outage would outlive a write made during it until its TTL.
  const pending = new Set<string>()
  const invalidateKey = async (key: string): Promise<void> => {
    await within(keyv.set(`gen:${key}`, randomUUID(), Math.max(GENERATION_TTL_MS, opts.ttlMs)), OP_TIMEOUT_MS)
    await within(keyv.delete(key), OP_TIMEOUT_MS)
  }
  const replay = setInterval(() => {
    for (const key of pending) {
      invalidateKey(key).then(() => { pending.delete(key); ok() }, () => {})
    }
  }, REPLAY_INTERVAL_MS)
  replay.unref()
  return {
    kind: 'redis',
    async get (projectId, functionName) {
      // Until its invalidation has landed, whatever Redis holds for the key may be older than the last write.
      if (pending.has(metaKey(projectId, functionName))) return undefined
      try {
        const meta = await within(keyv.get<Meta>(metaKey(projectId, functionName)), OP_TIMEOUT_MS)
        if (meta === undefined) { ok(); return undefined }
        const compiled = await within(keyv.get<string>(`code:${meta.codeSha256}`), OP_TIMEOUT_MS)
        ok()
        return compiled === undefined ? undefined : { ...meta, compiled }
      } catch (err) {
        return failed(err)
      }
    },
    async fillToken (projectId, functionName) {
      try {
        return (await within(keyv.get<string>(`gen:${metaKey(projectId, functionName)}`), OP_TIMEOUT_MS)) ?? '0'
      } catch (err) {
        failed(err)
        return 'unavailable'
      }
    },
    // Fill, then check that no instance invalidated the key since the token was taken; if one did, undo the fill.
    // Any interleaving ends with the old row gone: a writer's delete after our set removes it, and a writer's new
    // generation before our check makes us remove it.
    async set (projectId, functionName, fn, token) {
      if (token === 'unavailable') return
      const { compiled, ...meta } = fn
      const key = metaKey(projectId, functionName)
      try {
        await within(keyv.set(`code:${fn.codeSha256}`, compiled, opts.ttlMs * CODE_TTL_FACTOR), OP_TIMEOUT_MS)
        await within(keyv.set(key, meta, opts.ttlMs), OP_TIMEOUT_MS)
        const now = (await within(keyv.get<string>(`gen:${key}`), OP_TIMEOUT_MS)) ?? '0'
        if (now !== token) await within(keyv.delete(key), OP_TIMEOUT_MS)
        ok()
      } catch (err) {
        failed(err)
      }
    },
    // A fresh random generation (not a counter: two writers incrementing a read value could write the same one).
    async invalidate (projectId, functionName) {
      const keys = [metaKey(projectId, functionName), routesKey(projectId)]
      try {
        for (const key of keys) {
          await invalidateKey(key)
          pending.delete(key)
        }
        ok()
      } catch (err) {
        for (const key of keys) pending.add(key)
        failed(err)
      }
    },
    async routeGeneration (projectId) {
      const key = routesKey(projectId)
      // Until its invalidation has landed, another instance may hold a table older than the last write.
      if (pending.has(key)) return undefined
      try {
        const generation = (await within(keyv.get<string>(`gen:${key}`), OP_TIMEOUT_MS)) ?? '0'
        ok()
        return generation
      } catch (err) {
        return failed(err)
      }
    },
    async close () {
      clearInterval(replay)
      await keyv.disconnect().catch(() => {})
    }
  }
}

export const redisCachePlugin: Plugin = {
  name: 'cache-redis',
  decorates: ['functionCache'],
  async register (app) {
    const cache = createRedisFunctionCache({
      url: app.config.redisUrl as string, prefix: app.config.redisPrefix, ttlMs: app.config.codeCacheTtlMs, log: app.log
    })
    app.decorate('functionCache', cache)
    app.onClose(() => cache.close())
    app.log.info('code cache: Redis', { prefix: app.config.redisPrefix })
  }
}
