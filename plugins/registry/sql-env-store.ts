import type { EnvRecord, EnvScope, EnvStore } from '../types.js'

interface EnvRow {
  name: string
  value: string
  secret: boolean
  created_at: Date | string
  updated_at: Date | string
}

type Query = <T>(text: string, params?: readonly unknown[]) => Promise<T[]>

const toIso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

function toRecord (row: EnvRow): EnvRecord {
  return { name: row.name, secret: row.secret, value: row.value, created_at: toIso(row.created_at), updated_at: toIso(row.updated_at) }
}

/** The project level is the row set with function_name ''. */
const level = (scope: EnvScope): string => scope.functionName ?? ''

/**
 * Variables in the `env_vars` table (migration 3), through the registry's own query function (and so its mapping
 * of storage faults to the contract's errors). The same SQL for the embedded store and PostgreSQL.
 */
export class SqlEnvStore implements EnvStore {
  readonly #q: Query

  constructor (query: Query) {
    this.#q = query
  }

  async list (scope: EnvScope): Promise<EnvRecord[]> {
    const rows = await this.#q<EnvRow>('SELECT name, value, secret, created_at, updated_at FROM env_vars WHERE project_id = $1 AND function_name = $2 ORDER BY name',
      [scope.projectId, level(scope)])
    return rows.map(toRecord)
  }

  async put (scope: EnvScope, name: string, value: string): Promise<{ record: EnvRecord, created: boolean }> {
    // xmax is 0 only for a freshly inserted row: insert and update told apart in one round trip.
    const rows = await this.#q<EnvRow & { created: boolean }>(
      `INSERT INTO env_vars (project_id, function_name, name, value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project_id, function_name, name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
       RETURNING name, value, secret, created_at, updated_at, (xmax = 0) AS created`,
      [scope.projectId, level(scope), name, value])
    const row = rows[0] as EnvRow & { created: boolean }
    return { record: toRecord(row), created: row.created }
  }

  async remove (scope: EnvScope, name: string): Promise<boolean> {
    const rows = await this.#q('DELETE FROM env_vars WHERE project_id = $1 AND function_name = $2 AND name = $3 RETURNING name',
      [scope.projectId, level(scope), name])
    return rows.length > 0
  }

  async replace (scope: Required<EnvScope>, vars: Readonly<Record<string, string>>): Promise<void> {
    // One statement: the old set and the new one are never both half there. Rows kept keep their created_at.
    await this.#q(
      `WITH wanted AS (SELECT key AS name, value FROM jsonb_each_text($3::text::jsonb)),
       dropped AS (
         DELETE FROM env_vars e WHERE e.project_id = $1 AND e.function_name = $2
           AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.name = e.name)
       )
       INSERT INTO env_vars (project_id, function_name, name, value)
       SELECT $1, $2, name, value FROM wanted
       ON CONFLICT (project_id, function_name, name) DO UPDATE SET value = EXCLUDED.value,
         updated_at = CASE WHEN env_vars.value = EXCLUDED.value THEN env_vars.updated_at ELSE now() END`,
      [scope.projectId, scope.functionName, JSON.stringify(vars)])
  }

  async resolved (projectId: string, functionName: string): Promise<Record<string, string>> {
    // The project's rows first, the function's after: the function's own win by name.
    const rows = await this.#q<{ name: string, value: string }>(
      `SELECT name, value FROM env_vars WHERE project_id = $1 AND function_name IN ('', $2)
       ORDER BY function_name <> '', name`, [projectId, functionName])
    const env: Record<string, string> = {}
    for (const r of rows) env[r.name] = r.value
    return env
  }
}
