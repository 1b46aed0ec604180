import type { EnvScope, EnvStore, ResolvedVariables, SealedSecret, StoredVariable } from '../types.js'
import { resolveVariables } from './resolve-variables.js'

interface EnvRow {
  name: string
  value: string
  secret: boolean
  created_at: Date | string
  updated_at: Date | string
}

type Query = <T>(text: string, params?: readonly unknown[]) => Promise<T[]>

const toIso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

function toStored (row: EnvRow): StoredVariable {
  return { name: row.name, secret: row.secret, value: row.value, created_at: toIso(row.created_at), updated_at: toIso(row.updated_at) }
}

/** The project level is the row set with function_name ''. */
const level = (scope: EnvScope): string => scope.functionName ?? ''

/**
 * Variables in the `env_vars` table (migration 3), through the registry's own query function (and so its mapping
 * of storage faults to the contract's errors). The same SQL for the embedded store and PostgreSQL. A secret's
 * `value` is its sealed form: this store never sees a secret.
 */
export class SqlEnvStore implements EnvStore {
  readonly #q: Query

  constructor (query: Query) {
    this.#q = query
  }

  async list (scope: EnvScope): Promise<StoredVariable[]> {
    const rows = await this.#q<EnvRow>('SELECT name, value, secret, created_at, updated_at FROM env_vars WHERE project_id = $1 AND function_name = $2 ORDER BY name',
      [scope.projectId, level(scope)])
    return rows.map(toStored)
  }

  async put (scope: EnvScope, name: string, value: string, secret: boolean): Promise<{ record: StoredVariable, created: boolean }> {
    // xmax is 0 only for a freshly inserted row: insert and update told apart in one round trip.
    const rows = await this.#q<EnvRow & { created: boolean }>(
      `INSERT INTO env_vars (project_id, function_name, name, value, secret) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (project_id, function_name, name) DO UPDATE SET value = EXCLUDED.value, secret = EXCLUDED.secret, updated_at = now()
       RETURNING name, value, secret, created_at, updated_at, (xmax = 0) AS created`,
      [scope.projectId, level(scope), name, value, secret])
    const row = rows[0] as EnvRow & { created: boolean }
    return { record: toStored(row), created: row.created }
  }

  async remove (scope: EnvScope, name: string): Promise<boolean> {
    const rows = await this.#q('DELETE FROM env_vars WHERE project_id = $1 AND function_name = $2 AND name = $3 RETURNING name',
      [scope.projectId, level(scope), name])
    return rows.length > 0
  }

  async replace (scope: Required<EnvScope>, vars: Readonly<Record<string, string>>, secret: boolean): Promise<void> {
    // One statement: the old set of this kind and the new one are never both half there. A name of the new set takes
    // this kind (a secret deployed under a plain variable's name replaces it). Rows kept keep their created_at.
    await this.#q(
      `WITH wanted AS (SELECT key AS name, value FROM jsonb_each_text($3::text::jsonb)),
       dropped AS (
         DELETE FROM env_vars e WHERE e.project_id = $1 AND e.function_name = $2 AND e.secret = $4
           AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.name = e.name)
       )
       INSERT INTO env_vars (project_id, function_name, name, value, secret)
       SELECT $1, $2, name, value, $4 FROM wanted
       ON CONFLICT (project_id, function_name, name) DO UPDATE SET value = EXCLUDED.value, secret = EXCLUDED.secret,
         updated_at = CASE WHEN env_vars.value = EXCLUDED.value AND env_vars.secret = EXCLUDED.secret THEN env_vars.updated_at ELSE now() END`,
      [scope.projectId, scope.functionName, JSON.stringify(vars), secret])
  }

  async resolved (projectId: string, functionName: string): Promise<ResolvedVariables> {
    // The project's rows first, the function's after: the function's own win by name, whatever their kind.
    const rows = await this.#q<{ name: string, value: string, secret: boolean, level: string }>(
      `SELECT name, value, secret, function_name AS level FROM env_vars WHERE project_id = $1 AND function_name IN ('', $2)
       ORDER BY function_name <> '', name`, [projectId, functionName])
    return resolveVariables(rows)
  }

  async secrets (): Promise<Array<SealedSecret & { projectId: string }>> {
    const rows = await this.#q<{ project_id: string, function_name: string, name: string, value: string }>(
      'SELECT project_id, function_name, name, value FROM env_vars WHERE secret ORDER BY project_id, function_name, name')
    return rows.map((r) => ({ projectId: r.project_id, functionName: r.function_name, name: r.name, sealed: r.value }))
  }

  async reseal (secret: SealedSecret & { projectId: string }, to: string): Promise<boolean> {
    const rows = await this.#q(
      `UPDATE env_vars SET value = $5 WHERE project_id = $1 AND function_name = $2 AND name = $3 AND secret AND value = $4 RETURNING name`,
      [secret.projectId, secret.functionName, secret.name, secret.sealed, to])
    return rows.length > 0
  }
}
