import t from 'tap'
import { createMemoryFunctionCache } from '../../../plugins/cache/memory.js'
import type { FunctionRecord, FunctionRegistry } from '../../../plugins/types.js'
import { FunctionRouter } from '../../../core/sites/function-router.js'

/** A registry whose list() is counted and can be held open, over an editable set of rows. */
function fakeRegistry (): { registry: FunctionRegistry, rows: Map<string, FunctionRecord>, lists: () => number, hold: () => () => void } {
  const rows = new Map<string, FunctionRecord>()
  let lists = 0
  let gate: Promise<void> | undefined
  const registry = {
    kind: 'fake',
    async list (projectId: string) {
      lists++
      const snapshot = [...rows.values()].filter((r) => r.project_id === projectId)
      if (gate !== undefined) await gate
      return snapshot
    }
  } as unknown as FunctionRegistry
  return {
    registry,
    rows,
    lists: () => lists,
    hold: () => {
      let release = (): void => {}
      gate = new Promise((resolve) => { release = resolve })
      return () => { gate = undefined; release() }
    }
  }
}

let clock = 0
const record = (name: string, filePath: string): FunctionRecord => ({
  id: `fn_${name}`, project_id: 'p', function_name: name, file_path: filePath, runtime: 'node20', is_active: true, invocation_count: 0,
  timeout_ms: 1000, code_sha256: 'a', created_at: new Date(Date.UTC(2024, 0, 1) + clock++).toISOString(), updated_at: ''
})

t.test('routes are read from storage once, then served from the table until a write to the project', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, rows, lists } = fakeRegistry()
  rows.set('user', record('user', 'api/users/[id].js'))
  const router = new FunctionRouter({ registry, cache, ttlMs: 60000 })
  t.match(await router.resolveRoute('p', ['api', 'users', '42']), { functionName: 'user', pathParameters: { id: '42' } })
  t.match(await router.resolveRoute('p', ['api', 'users', 'x%20y']), { functionName: 'user', pathParameters: { id: 'x y' } })
  t.equal(await router.resolveRoute('p', ['api', 'nothing']), null)
  t.equal(lists(), 1, 'one storage read for three requests')

  rows.set('me', record('me', 'api/users/me.js'))
  t.match(await router.resolveRoute('p', ['api', 'users', 'me']), { functionName: 'user' }, 'no write went through the cache yet')
  await cache.invalidate('p', 'me')
  t.match(await router.resolveRoute('p', ['api', 'users', 'me']), { functionName: 'me' }, 'the next request after a write sees it')
  t.equal(lists(), 2)

  await cache.invalidate('other', 'x')
  await router.resolveRoute('p', ['api', 'users', 'me'])
  t.equal(lists(), 2, 'a write to another project keeps this table')
  t.same((await router.getProjectFunctions('p')).functions.map((f) => f.functionName), ['user', 'me'])
})

t.test('paths that cannot name a function never reach storage', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, lists } = fakeRegistry()
  const router = new FunctionRouter({ registry, cache, ttlMs: 60000 })
  for (const segments of [['api', '..', 'x'], ['a%2Fb'], ['api', '%2e%2e']]) t.equal(await router.resolveRoute('p', segments), null)
  t.equal(lists(), 0)
})

t.test('a burst of requests after a write reads storage once', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, rows, lists, hold } = fakeRegistry()
  rows.set('hello', record('hello', 'api/hello.js'))
  const router = new FunctionRouter({ registry, cache, ttlMs: 60000 })
  const release = hold()
  const pending = Array.from({ length: 20 }, () => router.resolveRoute('p', ['api', 'hello']))
  await new Promise((resolve) => setImmediate(resolve))
  release()
  for (const m of await Promise.all(pending)) t.equal(m?.functionName, 'hello')
  t.equal(lists(), 1)
})

t.test('a write during a build is not hidden by the table that build made', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, rows, hold } = fakeRegistry()
  rows.set('hello', record('hello', 'api/hello.js'))
  const router = new FunctionRouter({ registry, cache, ttlMs: 60000 })
  const release = hold()
  const building = router.resolveRoute('p', ['api', 'bye']) // reads the rows before the write below
  await new Promise((resolve) => setImmediate(resolve))
  rows.set('bye', record('bye', 'api/bye.js'))
  await cache.invalidate('p', 'bye')
  release()
  t.equal(await building, null, 'the build saw the old rows')
  t.equal((await router.resolveRoute('p', ['api', 'bye']))?.functionName, 'bye', 'and was not kept as current')
})

t.test('tables expire after the TTL even without a write', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, lists } = fakeRegistry()
  const router = new FunctionRouter({ registry, cache, ttlMs: 20 })
  await router.resolveRoute('p', ['x'])
  await router.resolveRoute('p', ['x'])
  t.equal(lists(), 1)
  await new Promise((resolve) => setTimeout(resolve, 40))
  await router.resolveRoute('p', ['x'])
  t.equal(lists(), 2)
})

t.test('when the cache cannot tell the generation, every request reads storage', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const blind = { ...cache, routeGeneration: async () => undefined }
  const { registry, rows, lists } = fakeRegistry()
  rows.set('hello', record('hello', 'api/hello.js'))
  const router = new FunctionRouter({ registry, cache: blind, ttlMs: 60000 })
  await router.resolveRoute('p', ['api', 'hello'])
  await router.resolveRoute('p', ['api', 'hello'])
  t.equal(lists(), 2)
})

t.test('of two rows claiming one route (older than the route index) the oldest wins', async t => {
  const cache = createMemoryFunctionCache({ ttlMs: 60000 })
  t.teardown(() => { cache.close() })
  const { registry, rows } = fakeRegistry()
  const older = record('zeta', 'api/x.js')
  const newer = record('alpha', 'api/x.ts')
  rows.set('alpha', newer)
  rows.set('zeta', older)
  const router = new FunctionRouter({ registry, cache, ttlMs: 60000 })
  t.equal((await router.resolveRoute('p', ['api', 'x']))?.functionName, 'zeta')
})
