import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { Plugin } from '../types.js'
import { migrate } from './migrations.js'
import type { SqlClient } from './sql-client.js'
import { SqlFunctionRegistry } from './sql-registry.js'

type Queryable = Pick<PGlite, 'query' | 'exec'> | Pick<Transaction, 'query' | 'exec'>

function pgliteClient (db: Queryable, root: PGlite): SqlClient {
  return {
    async query<T> (text: string, params: readonly unknown[] = []) {
      return (await db.query<T>(text, params as unknown[])).rows
    },
    async exec (text: string) { await db.exec(text) },
    transaction: (fn) => root.transaction((tx) => fn(pgliteClient(tx, root))),
    close: () => root.close()
  }
}

/**
 * PGlite keeps one data directory per process: a second process opening the same one would corrupt it. A lock
 * file with our pid refuses that with a clear message; a lock left by a process that is gone is taken over.
 */
async function lockDataDir (dir: string): Promise<() => Promise<void>> {
  const lockPath = join(dir, 'functions.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => { await rm(lockPath, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(await readFile(lockPath, 'utf8').catch(() => ''))
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(`DATA_DIR ${dir} is in use by process ${pid}; the embedded store serves one process (set DATABASE_URL to share a database)`)
      }
      await rm(lockPath, { force: true })
    }
  }
  throw new Error(`could not lock DATA_DIR ${dir}`)
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface EmbeddedStore {
  registry: SqlFunctionRegistry
  client: SqlClient
  close (): Promise<void>
}

/** Opens (creating if needed) the embedded PostgreSQL in `dataDir`, migrated to the latest version. */
export async function openEmbeddedStore (dataDir: string): Promise<EmbeddedStore> {
  const dir = resolve(dataDir)
  await mkdir(dir, { recursive: true })
  const unlock = await lockDataDir(dir)
  try {
    const db = await PGlite.create(join(dir, 'pglite'))
    const client = pgliteClient(db, db)
    await migrate(client, { advisoryLock: false })
    return {
      registry: new SqlFunctionRegistry(client, 'embedded'),
      client,
      async close () {
        await db.close()
        await unlock()
      }
    }
  } catch (err) {
    await unlock()
    throw err
  }
}

export const embeddedRegistryPlugin: Plugin = {
  name: 'registry-embedded',
  decorates: ['registry'],
  // Opening a fresh WASM Postgres and migrating takes a few seconds on a slow machine.
  timeoutMs: 60_000,
  async register (app) {
    const store = await openEmbeddedStore(app.config.dataDir)
    app.decorate('registry', store.registry)
    app.onClose(() => store.close())
    app.log.info(`storage: embedded PostgreSQL (PGlite) in ${resolve(app.config.dataDir)}`)
  }
}
