import { PGlite } from '@electric-sql/pglite'
import t from 'tap'
import { routeKeyOf } from '../../../core/sites/route-pattern.js'
import { MIGRATIONS, migrate } from '../../../plugins/registry/migrations.js'
import type { SqlClient } from '../../../plugins/registry/sql-client.js'

function client (db: PGlite): SqlClient {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) => (await db.query<T>(text, params as unknown[])).rows,
    exec: async (text: string) => { await db.exec(text) },
    transaction: async (fn) => await db.transaction((tx) => fn({
      query: async <T>(text: string, params: readonly unknown[] = []) => (await tx.query<T>(text, params as unknown[])).rows,
      exec: async (text: string) => { await tx.exec(text) },
      transaction: () => { throw new Error('nested') },
      close: async () => {}
    })),
    close: () => db.close()
  }
}

t.test('the site routes migration keys existing rows as the router does; the oldest of a clash keeps the route', async t => {
  const db = new PGlite()
  t.teardown(() => db.close())
  // A store as migration 1 left it, with rows deployed before routes existed.
  const first = MIGRATIONS[0]
  if (first === undefined) throw new Error('no migrations')
  await db.exec(first.sql)
  await db.exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO schema_migrations (version, name) VALUES (1, 'create functions')`)
  const paths = [
    'api/hello.js', 'api/hello/index.ts', 'api/users/[id].js', 'api/users/[id]/posts/[postId].mjs', 'api/files/[...path].js',
    'api/files/[...rest]/index.cjs', 'index.js', 'api/index.ts', 'api/v1.2/x.test.js', 'api/[broken.js', 'api/[...a]/b.js', 'api/Myindex.js'
  ]
  for (const [i, filePath] of paths.entries()) {
    await db.query(`INSERT INTO functions (id, project_id, function_name, file_path, runtime, timeout_ms, source, code_sha256, compiled, created_at)
      VALUES ($1, 'p', $2, $3, 'node20', 1000, '', '', '', $4)`, [`fn_${String(i).padStart(2, '0')}`, `f${i}`, filePath, new Date(Date.UTC(2024, 0, 1, 0, 0, i))])
  }
  t.same(await migrate(client(db), { advisoryLock: false }), ['2 site routes', '3 variables'])
  const rows = (await db.query<{ file_path: string, route_key: string | null }>('SELECT file_path, route_key FROM functions ORDER BY id')).rows
  const clashLosers = new Set(['api/hello/index.ts', 'api/files/[...rest]/index.cjs'])
  for (const row of rows) {
    t.equal(row.route_key, clashLosers.has(row.file_path) ? null : routeKeyOf(row.file_path), row.file_path)
  }
  await t.rejects(db.query(`INSERT INTO functions (id, project_id, function_name, file_path, route_key, runtime, timeout_ms, source, code_sha256, compiled)
    VALUES ('fn_x', 'p', 'again', 'api/hello.ts', 'api/hello', 'node20', 1000, '', '', '')`), { code: '23505' }, 'the unique index holds from now on')
})
