import t from 'tap'
import { createMemoryFunctionCache } from '../../../plugins/cache/memory.js'
import type { RunnableFunction } from '../../../plugins/types.js'

const fn = (sha: string): RunnableFunction => ({
  id: 'fn_x', projectId: 'p', functionName: 'f', filePath: 'api/f.js', isActive: true, timeoutMs: 1000, codeSha256: sha, compiled: 'c', env: {}, secrets: []
})

t.test('entries come back as stored, frozen, until invalidated', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  t.equal(await cache.get('p', 'f'), undefined)
  await cache.set('p', 'f', fn('a'), await cache.fillToken('p', 'f'))
  const got = await cache.get('p', 'f')
  t.same(got, fn('a'))
  t.ok(Object.isFrozen(got), 'no caller can change what the next invocation reads')
  t.equal(await cache.get('p', 'other'), undefined)
  await cache.invalidate('p', 'f')
  t.equal(await cache.get('p', 'f'), undefined)
})

t.test('entries expire after the TTL and the sweep frees them', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 50, sweepIntervalMs: 30 })
  t.teardown(() => { cache.close() })
  await cache.set('p', 'f', fn('a'), await cache.fillToken('p', 'f'))
  await cache.set('p', 'g', fn('b'), await cache.fillToken('p', 'g'))
  t.equal(cache.size(), 2)
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(cache.size(), 0, 'swept without being read')
  t.equal(await cache.get('p', 'f'), undefined)
})

t.test('a fill that raced a write is dropped (the stale-fill race, forced)', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const token = await cache.fillToken('p', 'f') // a reader misses and is about to read the old row
  await cache.invalidate('p', 'f') // a writer commits the new row and invalidates
  await cache.set('p', 'f', fn('old'), token) // the reader fills with what it read
  t.equal(await cache.get('p', 'f'), undefined, 'the old row did not land in the cache')
  await cache.set('p', 'f', fn('new'), await cache.fillToken('p', 'f'))
  t.same(await cache.get('p', 'f'), fn('new'), 'a fill after the write is kept')
})

t.test('every invalidation of a project\'s function moves that project\'s route generation, and only its', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const first = await cache.routeGeneration('p')
  t.equal(await cache.routeGeneration('p'), first, 'stable while nothing is written')
  await cache.invalidate('p', 'f')
  const second = await cache.routeGeneration('p')
  t.not(second, first)
  await cache.invalidate('q', 'f')
  t.equal(await cache.routeGeneration('p'), second, 'a write to another project leaves it')
  await cache.invalidate('p', 'g')
  t.not(await cache.routeGeneration('p'), second)
})
