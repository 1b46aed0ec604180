import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { openEmbeddedStore } from '../../../plugins/registry/embedded.js'
import { input, registryContract } from './contract.js'

const dir = await mkdtemp(join(tmpdir(), 'fn-embedded-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

t.test('the embedded store keeps the registry contract', async t => {
  registryContract(t, () => openEmbeddedStore(join(dir, 'contract')))
})

t.test('data survives close and reopen', async t => {
  const path = join(dir, 'reopen')
  const first = await openEmbeddedStore(path)
  const created = await first.registry.create(input('keep'))
  await first.registry.addInvocationCounts([{ projectId: 'contract', functionName: 'keep', count: 7 }])
  await first.close()
  const second = await openEmbeddedStore(path)
  t.teardown(() => second.close())
  const again = await second.registry.get('contract', 'keep')
  t.equal(again?.id, created.id)
  t.equal(again?.invocation_count, 7)
})

const HOLDER = fileURLToPath(new URL('../../fixtures/plugins/hold-embedded-store.js', import.meta.url))

t.test('a second process opening a held DATA_DIR is refused, and may open it once the first is gone', async t => {
  const path = join(dir, 'held')
  const holder = spawn(process.execPath, [HOLDER, path], { stdio: ['pipe', 'pipe', 'inherit'] })
  t.teardown(() => { if (holder.exitCode === null) holder.kill('SIGKILL') })
  let out = ''
  holder.stdout.setEncoding('utf8')
  holder.stdout.on('data', (c: string) => { out += c })
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', () => { if (out.includes('open')) resolve() })
    holder.once('exit', (code) => { reject(new Error(`holder exited with ${code} before opening`)) })
  })
  await t.rejects(openEmbeddedStore(path), { message: new RegExp(`in use by process ${holder.pid}`) })
  holder.stdin.end()
  const [code] = await once(holder, 'exit')
  t.equal(code, 0, 'the holder closed its store')
  const store = await openEmbeddedStore(path)
  await store.close()
})

t.test('one process cannot open the same DATA_DIR twice, even racing; after close it can', async t => {
  const path = join(dir, 'twice')
  const results = await Promise.allSettled([openEmbeddedStore(path), openEmbeddedStore(path)])
  const opened = results.filter((r) => r.status === 'fulfilled')
  t.equal(opened.length, 1, 'exactly one of two racing opens succeeded')
  t.match(results.find((r) => r.status === 'rejected'), { reason: { message: /already open in this process/ } })
  await t.rejects(openEmbeddedStore(path), { message: /already open in this process/ })
  for (const r of opened) await r.value.close()
  const again = await openEmbeddedStore(path)
  await again.close()
})

t.test('a lock left by a process that is gone is taken over', async t => {
  const path = join(dir, 'stale')
  await (await openEmbeddedStore(path)).close()
  const gone = spawn(process.execPath, ['-e', ''])
  await once(gone, 'exit')
  await writeFile(join(path, 'functions.lock'), String(gone.pid))
  const store = await openEmbeddedStore(path)
  t.teardown(() => store.close())
  t.same(await store.registry.list('contract'), [])
})
