import type { Test } from 'tap'
import type { FunctionInput, FunctionRegistry } from '../../../plugins/types.js'

export const input = (name: string, extra: Partial<FunctionInput> = {}): FunctionInput => ({
  projectId: 'contract',
  functionName: name,
  filePath: `api/${name}.js`,
  runtime: 'node20',
  timeoutMs: 30000,
  isActive: true,
  code: { source: `// ${name}`, sha256: 'a'.repeat(64), compiled: `(function (exports, module) {// ${name}\n})` },
  ...extra
})

/** The behaviour every FunctionRegistry must have, whatever stores it. */
export function registryContract (t: Test, open: () => Promise<{ registry: FunctionRegistry, close: () => Promise<void> }>): void {
  let registry: FunctionRegistry
  let close: () => Promise<void>
  t.before(async () => { ({ registry, close } = await open()) })
  t.teardown(async () => { await close() })

  t.test('create returns the record in the contract shape', async t => {
    const r = await registry.create(input('alpha'))
    t.match(r, { project_id: 'contract', function_name: 'alpha', file_path: 'api/alpha.js', runtime: 'node20', is_active: true, invocation_count: 0, timeout_ms: 30000, code_sha256: 'a'.repeat(64) })
    t.match(r.id, /^fn_[0-9A-HJKMNP-TV-Z]{26}$/)
    t.equal(new Date(r.created_at).toISOString(), r.created_at)
    t.same(Object.keys(r).sort(), ['code_sha256', 'created_at', 'file_path', 'function_name', 'id', 'invocation_count', 'is_active', 'project_id', 'runtime', 'timeout_ms', 'updated_at'])
    t.same(await registry.get('contract', 'alpha'), r)
  })

  t.test('a second create of the same name is FN_ERR_FUNCTION_EXISTS', async t => {
    await t.rejects(registry.create(input('alpha')), { code: 'FN_ERR_FUNCTION_EXISTS' })
  })

  t.test('put creates, then replaces keeping id, created_at and counts', async t => {
    const first = await registry.put(input('beta'))
    t.equal(first.created, true)
    await registry.addInvocationCounts([{ projectId: 'contract', functionName: 'beta', count: 4 }])
    const second = await registry.put(input('beta', { timeoutMs: 5000, code: { source: 'v2', sha256: 'b'.repeat(64), compiled: 'c2' } }))
    t.equal(second.created, false)
    t.equal(second.record.id, first.record.id)
    t.equal(second.record.created_at, first.record.created_at)
    t.equal(second.record.invocation_count, 4)
    t.equal(second.record.timeout_ms, 5000)
    t.same(await registry.source('contract', 'beta'), { source: 'v2', filePath: 'api/beta.js' })
  })

  t.test('list is the project\'s functions by name; another project sees none', async t => {
    t.same((await registry.list('contract')).map((r) => r.function_name), ['alpha', 'beta'])
    t.same(await registry.list('nobody'), [])
  })

  t.test('patch changes only what it names and bumps updated_at', async t => {
    const before = await registry.get('contract', 'alpha')
    await new Promise((resolve) => setTimeout(resolve, 5))
    const after = await registry.patch('contract', 'alpha', { isActive: false })
    t.equal(after?.is_active, false)
    t.equal(after?.timeout_ms, before?.timeout_ms)
    t.ok((after?.updated_at ?? '') > (before?.updated_at ?? ''))
    const code = await registry.patch('contract', 'alpha', { code: { source: 's3', sha256: 'c'.repeat(64), compiled: 'k3' }, filePath: 'api/alpha.ts' })
    t.equal(code?.code_sha256, 'c'.repeat(64))
    t.match(await registry.runnable('contract', 'alpha'), { compiled: 'k3', codeSha256: 'c'.repeat(64), filePath: 'api/alpha.ts', isActive: false })
    t.equal(await registry.patch('contract', 'missing', { isActive: true }), null)
  })

  t.test('runnable returns what an invocation needs, or null', async t => {
    t.same(await registry.runnable('contract', 'beta'), {
      id: (await registry.get('contract', 'beta'))?.id, projectId: 'contract', functionName: 'beta', filePath: 'api/beta.js', isActive: true, timeoutMs: 5000, codeSha256: 'b'.repeat(64), compiled: 'c2', env: {}, secrets: []
    })
    t.equal(await registry.runnable('contract', 'missing'), null)
  })

  t.test('concurrent count batches add up exactly; unknown functions are skipped', async t => {
    const before = (await registry.get('contract', 'beta'))?.invocation_count ?? 0
    await Promise.all(Array.from({ length: 20 }, () => registry.addInvocationCounts([
      { projectId: 'contract', functionName: 'beta', count: 5 },
      { projectId: 'contract', functionName: 'ghost', count: 1 }
    ])))
    t.equal((await registry.get('contract', 'beta'))?.invocation_count, before + 100)
  })

  t.test('entries for one function repeated in a batch all count', async t => {
    const before = (await registry.get('contract', 'beta'))?.invocation_count ?? 0
    await registry.addInvocationCounts([
      { projectId: 'contract', functionName: 'beta', count: 2 },
      { projectId: 'contract', functionName: 'alpha', count: 1 },
      { projectId: 'contract', functionName: 'beta', count: 3 }
    ])
    t.equal((await registry.get('contract', 'beta'))?.invocation_count, before + 5)
  })

  t.test('two functions of a project cannot claim one route; the refusal names the holder', async t => {
    const route = (name: string, filePath: string): FunctionInput => input(name, { projectId: 'routes', filePath })
    await registry.create(route('user', 'api/users/[id].js'))
    const conflict = { code: 'FN_ERR_ROUTE_CONFLICT', statusCode: 409, detail: /already served by function "user" \(api\/users\/\[id\]\.js\)/, body: { conflict: { function_name: 'user', file_path: 'api/users/[id].js' } } }
    await t.rejects(registry.create(route('other', 'api/users/[uid].ts')), conflict, 'create')
    await t.rejects(registry.put(route('other', 'api/users/[key]/index.js')), conflict, 'put')
    await registry.create(route('name', 'api/users/name.js'))
    await t.rejects(registry.patch('routes', 'name', { filePath: 'api/users/[x].js' }), conflict, 'patch of file_path')
    t.equal((await registry.get('routes', 'name'))?.file_path, 'api/users/name.js', 'a refused patch changes nothing')
    t.equal((await registry.put(route('user', 'api/users/[id]/index.ts'))).created, false, 'a function may move within its own route')
    await registry.patch('routes', 'name', { isActive: false })
    t.equal(await registry.get('routes', 'other'), null, 'nothing was created by the refused writes')
    t.equal(await registry.remove('routes', 'user'), true)
    t.equal((await registry.create(route('other', 'api/users/[uid].ts'))).function_name, 'other', 'a removed function frees its route')
    const raced = await Promise.allSettled([registry.put(route('a', 'api/race.js')), registry.put(route('b', 'api/race/index.ts'))])
    t.equal(raced.filter((r) => r.status === 'fulfilled').length, 1, 'of two racing deploys exactly one wins')
  })

  t.test('variables: two levels, the function\'s own winning by name; replace is exact; remove takes them along', async t => {
    const project = { projectId: 'contract' }
    const beta = { projectId: 'contract', functionName: 'beta' }
    const first = await registry.env.put(project, 'REGION', 'eu', false)
    t.match(first, { created: true, record: { name: 'REGION', secret: false, value: 'eu' } })
    t.equal(new Date(first.record.created_at).toISOString(), first.record.created_at)
    t.equal((await registry.env.put(project, 'REGION', 'us', false)).created, false)
    await registry.env.put(project, 'SHARED', 'p', false)
    await registry.env.put(beta, 'SHARED', 'f', false)
    t.same(await registry.env.resolved('contract', 'beta'), { env: { REGION: 'us', SHARED: 'f' }, secrets: [] })
    t.same(await registry.env.resolved('contract', 'alpha'), { env: { REGION: 'us', SHARED: 'p' }, secrets: [] })
    t.same((await registry.runnable('contract', 'beta'))?.env, { REGION: 'us', SHARED: 'f' }, 'runnable carries them')
    t.same((await registry.env.list(project)).map((r) => r.name), ['REGION', 'SHARED'])
    await registry.env.put(beta, 'KEEP', 'k', false)
    const keptAt = (await registry.env.list(beta)).find((r) => r.name === 'KEEP')?.created_at
    await registry.env.replace({ projectId: 'contract', functionName: 'beta' }, { KEEP: 'k', NEW: 'n' }, false)
    const after = await registry.env.list(beta)
    t.same(after.map((r) => [r.name, r.value]), [['KEEP', 'k'], ['NEW', 'n']], 'exactly the new set')
    t.equal(after.find((r) => r.name === 'KEEP')?.created_at, keptAt, 'a kept variable keeps its created_at')
    t.equal(await registry.env.remove(beta, 'NEW'), true)
    t.equal(await registry.env.remove(beta, 'NEW'), false)
    t.equal(await registry.env.remove(project, 'SHARED'), true)
    t.same(await registry.env.resolved('contract', 'beta'), { env: { KEEP: 'k', REGION: 'us' }, secrets: [] })
    // Secrets are stored as given (sealed by the caller) and resolved apart; a function's own plain one overrides a project secret.
    await registry.env.put(project, 'TOKEN', 'v1.sealed-project', true)
    await registry.env.put(beta, 'API_KEY', 'v1.sealed-beta', true)
    t.same(await registry.env.resolved('contract', 'beta'), { env: { KEEP: 'k', REGION: 'us' }, secrets: [{ name: 'TOKEN', functionName: '', sealed: 'v1.sealed-project' }, { name: 'API_KEY', functionName: 'beta', sealed: 'v1.sealed-beta' }] })
    await registry.env.put(beta, 'TOKEN', 'plain', false)
    t.same((await registry.env.resolved('contract', 'beta')).env.TOKEN, 'plain')
    const all = await registry.env.secrets()
    t.same(all.map((x) => x.name).sort(), ['API_KEY', 'TOKEN'])
    const apiKey = all.find((x) => x.name === 'API_KEY') as (typeof all)[number]
    t.equal(await registry.env.reseal(apiKey, 'v1.resealed'), true)
    t.equal(await registry.env.reseal(apiKey, 'v1.again'), false, 'a reseal from a value no longer there changes nothing')
    t.equal((await registry.env.list(beta)).find((v) => v.name === 'API_KEY')?.value, 'v1.resealed')
    await registry.env.replace({ projectId: 'contract', functionName: 'beta' }, {}, true)
    t.same((await registry.env.list(beta)).map((v) => v.name), ['KEEP', 'TOKEN'], 'replacing the secrets leaves the plain ones')
    t.equal(await registry.env.remove(project, 'TOKEN'), true)
    t.same(await registry.env.list({ projectId: 'nobody' }), [])
  })

  t.test('remove deletes once', async t => {
    t.equal(await registry.remove('contract', 'alpha'), true)
    t.equal(await registry.remove('contract', 'alpha'), false)
    t.equal(await registry.get('contract', 'alpha'), null)
    t.equal(await registry.source('contract', 'alpha'), null)
    await registry.env.put({ projectId: 'contract', functionName: 'beta' }, 'GONE', 'x', false)
    t.equal(await registry.remove('contract', 'beta'), true)
    t.same(await registry.env.list({ projectId: 'contract', functionName: 'beta' }), [], 'a removed function\'s own variables went with it')
    t.same((await registry.env.list({ projectId: 'contract' })).map((r) => r.name), ['REGION'], 'the project\'s stay')
  })

  t.test('ping answers', async t => {
    await registry.ping()
    t.pass('pinged')
  })
}
