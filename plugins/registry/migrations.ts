import type { SqlClient } from './sql-client.js'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** Ordered and versioned; never edit an applied one, add the next. Shared by the embedded store and PostgreSQL. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create functions',
    sql: `
      CREATE TABLE functions (
        id               text PRIMARY KEY,
        project_id       text NOT NULL,
        function_name    text NOT NULL,
        file_path        text NOT NULL,
        runtime          text NOT NULL,
        is_active        boolean NOT NULL DEFAULT true,
        invocation_count bigint NOT NULL DEFAULT 0,
        timeout_ms       integer NOT NULL,
        source           text NOT NULL,
        code_sha256      text NOT NULL,
        compiled         text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT functions_project_name UNIQUE (project_id, function_name)
      );
      CREATE INDEX functions_project_id ON functions (project_id);
    `
  }
]

/** A fixed key for pg_advisory_xact_lock, so two instances starting together migrate one after the other. */
const MIGRATION_LOCK_KEY = 728_301_554

/**
 * Applies the missing migrations, each in its own transaction, under an advisory lock held for the transaction.
 * Returns the names of those applied.
 */
export async function migrate (client: SqlClient, opts: { advisoryLock: boolean }): Promise<string[]> {
  await client.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )
  `)
  const applied: string[] = []
  for (const m of MIGRATIONS) {
    const done = await client.transaction(async (tx) => {
      if (opts.advisoryLock) await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version])
      if (rows.length > 0) return false
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      return true
    })
    if (done) applied.push(`${m.version} ${m.name}`)
  }
  return applied
}
