import postgres from 'postgres'
import type { Plugin } from '../types.js'
import { migrate } from './migrations.js'
import type { SqlClient } from './sql-client.js'
import { SqlFunctionRegistry } from './sql-registry.js'

type Sql = postgres.Sql | postgres.TransactionSql

function postgresClient (sql: Sql, root: postgres.Sql): SqlClient {
  return {
    async query<T> (text: string, params: readonly unknown[] = []) {
      return await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as T[]
    },
    async exec (text: string) { await sql.unsafe(text) },
    transaction: async <T>(fn: (tx: SqlClient) => Promise<T>) => await root.begin((tx) => fn(postgresClient(tx, root))) as T,
    close: () => root.end({ timeout: 5 })
  }
}

export interface PostgresOptions {
  poolSize?: number
  statementTimeoutMs?: number
  /** search_path: the schema the tables live in (created if missing). Tests use one per run. */
  schema?: string
  connectTimeoutSeconds?: number
}

export interface PostgresStore {
  registry: SqlFunctionRegistry
  client: SqlClient
  applied: string[]
  close (): Promise<void>
}

function connect (url: string, opts: PostgresOptions): postgres.Sql {
  const schema = opts.schema ?? 'public'
  return postgres(url, {
    max: opts.poolSize ?? 10,
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    connection: {
      application_name: 'functions-service',
      statement_timeout: opts.statementTimeoutMs ?? 5000,
      search_path: schema
    }
  })
}

/** Connects, creates the schema if needed and migrates under an advisory lock (two instances starting together do not race). */
export async function openPostgresStore (url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
  const sql = connect(url, opts)
  try {
    const client = postgresClient(sql, sql)
    const prelude = opts.schema !== undefined && opts.schema !== 'public' ? `CREATE SCHEMA IF NOT EXISTS "${opts.schema}"` : undefined
    const applied = await migrate(client, { advisoryLock: true, ...(prelude !== undefined ? { prelude } : {}) })
    return { registry: new SqlFunctionRegistry(client, 'postgres'), client, applied, close: () => sql.end({ timeout: 5 }) }
  } catch (err) {
    await sql.end({ timeout: 1 })
    throw err
  }
}

/** `npm run migrate` (the Procfile release phase): migrate and disconnect. */
export async function runMigrations (url: string, opts: PostgresOptions = {}): Promise<string[]> {
  const store = await openPostgresStore(url, opts)
  await store.close()
  return store.applied
}

export const postgresRegistryPlugin: Plugin = {
  name: 'registry-postgres',
  decorates: ['registry'],
  timeoutMs: 30_000,
  async register (app) {
    const { config } = app
    const store = await openPostgresStore(config.databaseUrl as string, {
      poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs, schema: config.databaseSchema
    })
    app.decorate('registry', store.registry)
    app.onClose(() => store.close())
    app.log.info('storage: PostgreSQL', { schema: config.databaseSchema, migrationsApplied: store.applied.length })
  }
}
