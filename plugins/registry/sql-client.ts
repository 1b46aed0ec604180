/**
 * The one small query interface both stores implement: PGlite (embedded) and postgres.js (PostgreSQL) run the same
 * SQL with `$1` parameters, so the registry and the migrations are written once.
 */
export interface SqlClient {
  query<T = Record<string, unknown>> (text: string, params?: readonly unknown[]): Promise<T[]>
  /** Several statements, no parameters (migrations). */
  exec (text: string): Promise<void>
  /** Runs `fn` in one transaction; a throw rolls it back. */
  transaction<T> (fn: (tx: SqlClient) => Promise<T>): Promise<T>
  close (): Promise<void>
}
