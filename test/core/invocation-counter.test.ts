import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { InvocationCounter } from '../../core/invocation-counter.js'
import { createLogger } from '../../core/logger.js'
import type { FunctionRegistry } from '../../plugins/types.js'
import { openEmbeddedStore } from '../../plugins/registry/embedded.js'
import { input } from '../plugins/registry/contract.js'

// The real embedded store; its count writes are held open on purpose, to read while a flush is half-done.

t.test('a read during a flush sees every count once: not lost between memory and storage, not doubled', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'fn-counter-'))
  const store = await openEmbeddedStore(join(dir, 'db'))
  t.teardown(async () => { await store.close(); await rm(dir, { recursive: true, force: true }) })
  await store.registry.create(input('counted'))
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  const registry: FunctionRegistry = Object.create(store.registry) as FunctionRegistry
  registry.addInvocationCounts = async (counts) => { await held; await store.registry.addInvocationCounts(counts) }
  const counter = new InvocationCounter(registry, createLogger({ level: 'error', format: 'json', write: () => {} }), 3_600_000)
  t.teardown(() => counter.close())

  const exactCount = (): Promise<number> => counter.exact(async () => {
    const stored = await store.registry.get('contract', 'counted')
    return (stored?.invocation_count ?? 0) + counter.pendingFor('contract', 'counted')
  })
  for (let i = 0; i < 3; i++) counter.add('contract', 'counted')
  t.equal(await exactCount(), 3, 'pending counts are added to what storage says')

  const flushing = counter.flush()
  // Let the flush take the batch out of memory; its write is held, not committed.
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(counter.pendingFor('contract', 'counted'), 0, 'the batch left memory')
  const during = exactCount()
  counter.add('contract', 'counted')
  release()
  await flushing
  t.equal(await during, 4, 'the read waited for the flush instead of missing its three counts')
  t.equal(await exactCount(), 4)

  // While a read runs, no flush starts; the one skipped leaves its counts pending for the next.
  let inRead: () => void = () => {}
  const reading = counter.exact(async () => { await new Promise<void>((resolve) => { inRead = resolve }); return 0 })
  await counter.flush()
  t.equal(counter.pendingFor('contract', 'counted'), 1, 'not flushed while a read was running')
  inRead()
  await reading
  await counter.flush()
  t.equal(counter.pendingFor('contract', 'counted'), 0)
  t.equal((await store.registry.get('contract', 'counted'))?.invocation_count, 4, 'all four in storage')
})
