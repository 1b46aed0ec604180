import t from 'tap'
import { createRedisFunctionCache } from '../../../plugins/cache/redis.js'
import { createLogger } from '../../../core/logger.js'
import type { RunnableFunction } from '../../../plugins/types.js'
import { REDIS_URL, dropRedisPrefix, needs } from '../../helpers/backends.js'

const fn = (sha: string): RunnableFunction => ({
  id: 'fn_x', projectId: 'p', functionName: 'f', filePath: 'api/f.js', isActive: true, timeoutMs: 1000, codeSha256: sha, compiled: `code of ${sha}`, env: {}, secrets: []
})
const lines: string[] = []
const log = createLogger({ level: 'debug', format: 'json', write: (l) => { lines.push(l) } })

if (needs('REDIS_URL (the Redis cache)', REDIS_URL !== undefined) && REDIS_URL !== undefined) {
  const url = REDIS_URL
  const prefix = `fn-test-cache:${process.pid}`
  t.teardown(() => dropRedisPrefix(prefix))

  t.test('set, get and invalidate through Redis, isolated by prefix', async t => {
    const a = createRedisFunctionCache({ url, prefix: `${prefix}:a`, ttlMs: 60000, log })
    const b = createRedisFunctionCache({ url, prefix: `${prefix}:b`, ttlMs: 60000, log })
    t.teardown(async () => { await a.close(); await b.close() })
    await a.set('p', 'f', fn('1'), await a.fillToken('p', 'f'))
    t.same(await a.get('p', 'f'), fn('1'))
    t.equal(await b.get('p', 'f'), undefined, 'another prefix sees nothing')
    await a.invalidate('p', 'f')
    t.equal(await a.get('p', 'f'), undefined)
  })

  t.test('a second instance sees what the first wrote (the cache is shared)', async t => {
    const one = createRedisFunctionCache({ url, prefix: `${prefix}:s`, ttlMs: 60000, log })
    const two = createRedisFunctionCache({ url, prefix: `${prefix}:s`, ttlMs: 60000, log })
    t.teardown(async () => { await one.close(); await two.close() })
    await one.set('p', 'f', fn('2'), await one.fillToken('p', 'f'))
    t.same(await two.get('p', 'f'), fn('2'))
    await two.invalidate('p', 'f')
    t.equal(await one.get('p', 'f'), undefined)
  })

  t.test('a fill that raced a write on another instance is undone (the stale-fill race, forced)', async t => {
    const reader = createRedisFunctionCache({ url, prefix: `${prefix}:race`, ttlMs: 60000, log })
    const writer = createRedisFunctionCache({ url, prefix: `${prefix}:race`, ttlMs: 60000, log })
    t.teardown(async () => { await reader.close(); await writer.close() })
    const token = await reader.fillToken('p', 'f') // the reader misses and reads the old row
    await writer.invalidate('p', 'f') // the writer commits and invalidates
    await reader.set('p', 'f', fn('5'), token) // the reader fills with the old row
    t.equal(await writer.get('p', 'f'), undefined, 'no instance sees the old row')
    await reader.set('p', 'f', fn('6'), await reader.fillToken('p', 'f'))
    t.same(await writer.get('p', 'f'), fn('6'), 'a fill after the write is kept')
  })

  t.test('a write on one instance moves the project\'s route generation seen by another', async t => {
    const one = createRedisFunctionCache({ url, prefix: `${prefix}:routes`, ttlMs: 60000, log })
    const two = createRedisFunctionCache({ url, prefix: `${prefix}:routes`, ttlMs: 60000, log })
    t.teardown(async () => { await one.close(); await two.close() })
    const before = await two.routeGeneration('p')
    t.type(before, 'string')
    t.equal(await two.routeGeneration('p'), before, 'stable while nothing is written')
    await one.invalidate('p', 'f')
    const after = await two.routeGeneration('p')
    t.not(after, before)
    await one.invalidate('q', 'f')
    t.equal(await two.routeGeneration('p'), after, 'a write to another project leaves it')
    await one.invalidate('routes', 'p')
    t.equal(await two.routeGeneration('p'), after, 'project "routes" with a function "p" is another key')
  })

  t.test('entries expire after the TTL', async t => {
    const c = createRedisFunctionCache({ url, prefix: `${prefix}:ttl`, ttlMs: 100, log })
    t.teardown(() => c.close())
    await c.set('p', 'f', fn('3'), await c.fillToken('p', 'f'))
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.equal(await c.get('p', 'f'), undefined)
  })
}

t.test('an unreachable Redis never fails a call: reads miss, writes are skipped, one warning', async t => {
  const c = createRedisFunctionCache({ url: 'redis://127.0.0.1:1', prefix: 'nowhere', ttlMs: 1000, log })
  t.teardown(() => c.close())
  const started = Date.now()
  t.equal(await c.get('p', 'f'), undefined)
  await c.set('p', 'f', fn('4'), await c.fillToken('p', 'f'))
  await c.invalidate('p', 'f')
  t.equal(await c.get('p', 'f'), undefined)
  t.equal(await c.routeGeneration('p'), undefined, 'no generation: the router reads storage')
  t.ok(Date.now() - started < 5000, 'answered without hanging')
  t.equal(lines.filter((l) => l.includes('code cache (Redis) unavailable')).length, 1)
})
