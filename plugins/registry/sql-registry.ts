import { createError, hasCode, isServiceError } from '../../core/errors.js'
import { parseRoute, routeKeyOf } from '../../core/sites/route-pattern.js'
import type { EnvStore, FunctionInput, FunctionPatch, FunctionRecord, FunctionRegistry, InvocationCount, RunnableFunction } from '../types.js'
import { newFunctionId } from './function-id.js'
import { SqlEnvStore } from './sql-env-store.js'
import type { SqlClient } from './sql-client.js'

const RECORD_COLUMNS = 'id, project_id, function_name, file_path, runtime, is_active, invocation_count, timeout_ms, code_sha256, created_at, updated_at'

interface RecordRow {
  id: string
  project_id: string
  function_name: string
  file_path: string
  runtime: string
  is_active: boolean
  invocation_count: number | string | bigint
  timeout_ms: number
  code_sha256: string
  created_at: Date | string
  updated_at: Date | string
}

/** Errors that mean "the database is not there", as opposed to a query the database refused. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03', '57014'])

function isUnavailable (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))
}

/** The unique index of migration 2: another function of the project already claims the route. */
function isRouteConflict (err: unknown): boolean {
  const e = err as { code?: unknown, constraint?: unknown, constraint_name?: unknown }
  return e.code === '23505' && (e.constraint === 'functions_project_route' || e.constraint_name === 'functions_project_route')
}

function toIso (value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString()
}

function toRecord (row: RecordRow): FunctionRecord {
  return {
    id: row.id,
    project_id: row.project_id,
    function_name: row.function_name,
    file_path: row.file_path,
    runtime: row.runtime,
    is_active: row.is_active,
    invocation_count: Number(row.invocation_count),
    timeout_ms: row.timeout_ms,
    code_sha256: row.code_sha256,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at)
  }
}

/** The FunctionRegistry over any SqlClient: the same SQL for the embedded store and PostgreSQL. */
export class SqlFunctionRegistry implements FunctionRegistry {
  readonly kind: string
  readonly env: EnvStore
  readonly #db: SqlClient

  constructor (db: SqlClient, kind: string) {
    this.#db = db
    this.kind = kind
    this.env = new SqlEnvStore(async (text, params) => await this.#q(text, params))
  }

  async #q<T> (text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return await this.#db.query<T>(text, params)
    } catch (err) {
      if (isServiceError(err)) throw err
      if (isRouteConflict(err)) throw createError('FN_ERR_ROUTE_CONFLICT', { cause: err })
      if (isUnavailable(err)) throw createError('FN_ERR_STORAGE_UNAVAILABLE', { cause: err })
      throw createError('FN_ERR_INTERNAL', { message: 'a storage query failed', cause: err })
    }
  }

  async get (projectId: string, functionName: string): Promise<FunctionRecord | null> {
    const rows = await this.#q<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM functions WHERE project_id = $1 AND function_name = $2`, [projectId, functionName])
    return rows[0] === undefined ? null : toRecord(rows[0])
  }

  async list (projectId: string): Promise<FunctionRecord[]> {
    const rows = await this.#q<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM functions WHERE project_id = $1 ORDER BY function_name`, [projectId])
    return rows.map(toRecord)
  }

  /**
   * Runs a write that sets `filePath`; when the route index refuses it, names the function holding the route (it may
   * be gone again by now: then the message says so and a retry will pass).
   */
  async #claiming<T> (projectId: string, filePath: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (err) {
      if (!hasCode(err, 'FN_ERR_ROUTE_CONFLICT')) throw err
      const parsed = parseRoute(filePath)
      const key = parsed.ok ? parsed.pattern.key : null
      const route = parsed.ok ? parsed.pattern.route : filePath
      const rows = await this.#q<{ function_name: string, file_path: string }>(
        'SELECT function_name, file_path FROM functions WHERE project_id = $1 AND route_key = $2', [projectId, key])
      const holder = rows[0]
      if (holder === undefined) throw createError('FN_ERR_ROUTE_CONFLICT', { message: `the route ${route} of ${filePath} was claimed by another function; try again`, cause: err })
      throw createError('FN_ERR_ROUTE_CONFLICT', {
        message: `the route ${route} of ${filePath} is already served by function "${holder.function_name}" (${holder.file_path})`,
        body: { conflict: { function_name: holder.function_name, file_path: holder.file_path, route } },
        cause: err
      })
    }
  }

  async create (input: FunctionInput): Promise<FunctionRecord> {
    const rows = await this.#claiming(input.projectId, input.filePath, () => this.#q<RecordRow>(
      `INSERT INTO functions (id, project_id, function_name, file_path, route_key, runtime, is_active, timeout_ms, source, code_sha256, compiled)
       VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (project_id, function_name) DO NOTHING
       RETURNING ${RECORD_COLUMNS}`,
      [newFunctionId(), input.projectId, input.functionName, input.filePath, input.runtime, input.isActive, input.timeoutMs,
        input.code.source, input.code.sha256, input.code.compiled, routeKeyOf(input.filePath)]))
    if (rows[0] === undefined) throw createError('FN_ERR_FUNCTION_EXISTS')
    return toRecord(rows[0])
  }

  async put (input: FunctionInput): Promise<{ record: FunctionRecord, created: boolean }> {
    // xmax is 0 only for a freshly inserted row: it tells an insert from an update in one round trip.
    const rows = await this.#claiming(input.projectId, input.filePath, () => this.#q<RecordRow & { created: boolean }>(
      `INSERT INTO functions (id, project_id, function_name, file_path, route_key, runtime, is_active, timeout_ms, source, code_sha256, compiled)
       VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (project_id, function_name) DO UPDATE SET
         file_path = EXCLUDED.file_path, route_key = EXCLUDED.route_key, runtime = EXCLUDED.runtime, is_active = EXCLUDED.is_active,
         timeout_ms = EXCLUDED.timeout_ms, source = EXCLUDED.source, code_sha256 = EXCLUDED.code_sha256,
         compiled = EXCLUDED.compiled, updated_at = now()
       RETURNING ${RECORD_COLUMNS}, (xmax = 0) AS created`,
      [newFunctionId(), input.projectId, input.functionName, input.filePath, input.runtime, input.isActive, input.timeoutMs,
        input.code.source, input.code.sha256, input.code.compiled, routeKeyOf(input.filePath)]))
    const row = rows[0] as RecordRow & { created: boolean }
    return { record: toRecord(row), created: row.created }
  }

  async patch (projectId: string, functionName: string, changes: FunctionPatch): Promise<FunctionRecord | null> {
    const write = (): Promise<RecordRow[]> => this.#q<RecordRow>(
      `UPDATE functions SET
         file_path = COALESCE($3, file_path), route_key = CASE WHEN $3::text IS NULL THEN route_key ELSE $9 END, timeout_ms = COALESCE($4, timeout_ms), is_active = COALESCE($5, is_active),
         source = COALESCE($6, source), code_sha256 = COALESCE($7, code_sha256), compiled = COALESCE($8, compiled),
         updated_at = now()
       WHERE project_id = $1 AND function_name = $2
       RETURNING ${RECORD_COLUMNS}`,
      [projectId, functionName, changes.filePath ?? null, changes.timeoutMs ?? null, changes.isActive ?? null,
        changes.code?.source ?? null, changes.code?.sha256 ?? null, changes.code?.compiled ?? null,
        changes.filePath === undefined ? null : routeKeyOf(changes.filePath)])
    const rows = changes.filePath === undefined ? await write() : await this.#claiming(projectId, changes.filePath, write)
    return rows[0] === undefined ? null : toRecord(rows[0])
  }

  async remove (projectId: string, functionName: string): Promise<boolean> {
    // One statement: the function and its own variables go together.
    const rows = await this.#q(
      `WITH vars AS (DELETE FROM env_vars WHERE project_id = $1 AND function_name = $2)
       DELETE FROM functions WHERE project_id = $1 AND function_name = $2 RETURNING id`, [projectId, functionName])
    return rows.length > 0
  }

  async source (projectId: string, functionName: string): Promise<{ source: string, filePath: string } | null> {
    const rows = await this.#q<{ source: string, file_path: string }>(
      'SELECT source, file_path FROM functions WHERE project_id = $1 AND function_name = $2', [projectId, functionName])
    return rows[0] === undefined ? null : { source: rows[0].source, filePath: rows[0].file_path }
  }

  async runnable (projectId: string, functionName: string): Promise<RunnableFunction | null> {
    const rows = await this.#q<{ id: string, file_path: string, is_active: boolean, timeout_ms: number, code_sha256: string, compiled: string }>(
      'SELECT id, file_path, is_active, timeout_ms, code_sha256, compiled FROM functions WHERE project_id = $1 AND function_name = $2',
      [projectId, functionName])
    const r = rows[0]
    if (r === undefined) return null
    const { env, secrets } = await this.env.resolved(projectId, functionName)
    return { id: r.id, projectId, functionName, filePath: r.file_path, isActive: r.is_active, timeoutMs: r.timeout_ms, codeSha256: r.code_sha256, compiled: r.compiled, env, secrets }
  }

  async addInvocationCounts (counts: readonly InvocationCount[]): Promise<void> {
    if (counts.length === 0) return
    // UPDATE ... FROM applies only one joined row per target row, so two entries for one function in a batch would
    // lose one of them: merge them first. Sorted, so every instance sends its rows in the same order, which keeps
    // concurrent batches from locking the same rows in opposite orders (a deadlock aborts a whole flush).
    const merged = new Map<string, { p: string, n: string, c: number }>()
    for (const x of counts) {
      const key = `${x.projectId}\0${x.functionName}`
      const entry = merged.get(key)
      if (entry === undefined) merged.set(key, { p: x.projectId, n: x.functionName, c: x.count })
      else entry.c += x.count
    }
    const rows = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
    // One statement per batch; the addition happens in the database, so concurrent instances never lose an increment.
    // The batch travels as JSON text: `::text` first, or postgres.js would encode the string itself as a JSON string.
    await this.#q(
      `UPDATE functions AS f SET invocation_count = f.invocation_count + v.c
       FROM jsonb_to_recordset($1::text::jsonb) AS v(p text, n text, c bigint)
       WHERE f.project_id = v.p AND f.function_name = v.n`,
      [JSON.stringify(rows)])
  }

  async ping (): Promise<void> {
    await this.#q('SELECT 1')
  }
}
