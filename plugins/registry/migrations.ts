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
  },
  {
    version: 2,
    name: 'site routes',
    // route_key is core/sites/route-pattern.ts's key of file_path; the unique index is what stops two deploys on two
    // instances from both claiming one route. Rows already there are keyed by the same rules in SQL; where two
    // claim one route, the oldest keeps it (the router prefers the oldest too) and the other is left unrouted.
    sql: String.raw`
      ALTER TABLE functions ADD COLUMN route_key text;
      UPDATE functions AS f SET route_key = k.route_key
      FROM (
        SELECT id, route_key, row_number() OVER (PARTITION BY project_id, route_key ORDER BY created_at, id) AS n
        FROM (
          SELECT id, project_id, created_at,
            regexp_replace(regexp_replace(regexp_replace(regexp_replace(file_path,
              '\.(js|mjs|cjs|ts)$', ''), '(^|/)index$', ''), '\[\.\.\.[A-Za-z0-9_-]+\]', '[...]', 'g'), '\[[A-Za-z0-9_-]+\]', '[]', 'g') AS route_key
          FROM functions
          WHERE file_path ~ '^(([A-Za-z0-9_.-]+|\[[A-Za-z0-9_-]+\])/)*([A-Za-z0-9_.-]+|\[[A-Za-z0-9_-]+\]|\[\.\.\.[A-Za-z0-9_-]+\](/index)?)\.(js|mjs|cjs|ts)$'
        ) AS keyed
      ) AS k
      WHERE f.id = k.id AND k.n = 1;
      CREATE UNIQUE INDEX functions_project_route ON functions (project_id, route_key);
    `
  },
  {
    version: 3,
    name: 'variables',
    // function_name '' holds the project's own variables; a function's rows go with it (sql-registry.ts remove).
    sql: `
      CREATE TABLE env_vars (
        project_id    text NOT NULL,
        function_name text NOT NULL DEFAULT '',
        name          text NOT NULL,
        value         text NOT NULL,
        secret        boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, function_name, name)
      );
    `
  }
]

/** A fixed key for pg_advisory_xact_lock, so two instances starting together migrate one after the other. */
const MIGRATION_LOCK_KEY = 728_301_554

/**
 * Applies the missing migrations in one transaction that first takes an advisory lock, so two instances starting
 * together run one after the other (the second finds nothing to do). `prelude` is DDL to run under the same lock
 * (creating the schema). Returns the migrations applied.
 */
export async function migrate (client: SqlClient, opts: { advisoryLock: boolean, prelude?: string }): Promise<string[]> {
  return await client.transaction(async (tx) => {
    if (opts.advisoryLock) await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    if (opts.prelude !== undefined) await tx.exec(opts.prelude)
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `)
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)))
    const applied: string[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(`${m.version} ${m.name}`)
    }
    return applied
  })
}
