import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openEmbeddedStore } from '../../../plugins/registry/embedded.js'
import { input, registryContract } from './contract.js'

const dir = await mkdtemp(join(tmpdir(), 'fn-embedded-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

t.test('the embedded store keeps the registry contract', async t => {
  registryContract(t, () => openEmbeddedStore(join(dir, 'contract')))
})

t.test('data survives close and reopen; a second opener of the same dir is refused', async t => {
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
