import t from 'tap'
import { openPostgresStore, runMigrations } from '../../../plugins/registry/postgres.js'
import { DATABASE_URL, dropSchema, needs } from '../../helpers/backends.js'
import { registryContract } from './contract.js'

if (needs('DATABASE_URL (the PostgreSQL store)', DATABASE_URL !== undefined) && DATABASE_URL !== undefined) {
  const url = DATABASE_URL
  const schema = `contract_${process.pid}`
  t.teardown(() => dropSchema(schema))

  t.test('PostgreSQL keeps the registry contract', async t => {
    registryContract(t, () => openPostgresStore(url, { schema }))
  })

  t.test('two instances migrating at once do not race; a later run applies nothing', async t => {
    const raceSchema = `race_${process.pid}`
    t.teardown(() => dropSchema(raceSchema))
    const [a, b] = await Promise.all([runMigrations(url, { schema: raceSchema }), runMigrations(url, { schema: raceSchema })])
    t.same([...a, ...b], ['1 create functions', '2 site routes', '3 variables'], 'exactly one of them applied the migrations')
    t.same(await runMigrations(url, { schema: raceSchema }), [])
  })

  t.test('an unreachable database fails fast with a clear error', async t => {
    await t.rejects(openPostgresStore('postgres://nobody@127.0.0.1:1/none', { connectTimeoutSeconds: 2 }))
  })
}
