import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
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

/** Data dirs this process has open: the pid in a lock file cannot tell our own live lock from a stale one. */
const openDirs = new Set<string>()

/**
 * PGlite keeps one data directory per process: a second process opening the same one would corrupt it. A lock
 * file with our pid refuses that with a clear message; a lock left by a process that is gone is taken over. A lock
 * carrying our own pid is stale unless this process holds the dir (a container restarted under the same pid leaves
 * one), so opening twice within this process is refused through `openDirs` instead.
 */
async function lockDataDir (dir: string): Promise<() => Promise<void>> {
  if (openDirs.has(dir)) {
    throw new Error(`DATA_DIR ${dir} is already open in this process; the embedded store opens it once`)
  }
  // Reserved before the first await, so two opens racing in this process cannot both get past the check.
  openDirs.add(dir)
  const lockPath = join(dir, 'functions.lock')
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await createWithContent(lockPath, String(process.pid))) {
        return async () => {
          openDirs.delete(dir)
          await rm(lockPath, { force: true })
        }
      }
      const pid = Number(await readFile(lockPath, 'utf8').catch(() => ''))
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(`DATA_DIR ${dir} is in use by process ${pid}; the embedded store serves one process (set DATABASE_URL to share a database)`)
      }
      await rm(lockPath, { force: true })
    }
    throw new Error(`could not lock DATA_DIR ${dir}`)
  } catch (err) {
    openDirs.delete(dir)
    throw err
  }
}

/**
 * Creates `path` holding `content`, or returns false when it exists. Written aside and hard-linked into place, so
 * the lock never exists empty: a reader seeing it between creation and write would take it for stale.
 */
async function createWithContent (path: string, content: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(aside, content, { flag: 'wx' })
  try {
    await link(aside, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    await rm(aside, { force: true })
  }
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
