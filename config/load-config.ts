import { Ajv } from 'ajv'
import { createError } from '../core/errors.js'
import { parseKey } from '../core/secrets/secret-box.js'
import { envSchema, type Config, type LogLevel } from './schema.js'

type Env = Record<string, string | undefined>

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false })
const validateEnv = ajv.compile(envSchema)

/** What each kind of schema rule expects, in words an operator can act on. */
function expectation (name: string): string {
  const prop = (envSchema.properties as Record<string, Record<string, unknown>>)[name]
  if (prop === undefined) return 'a valid value'
  if (Array.isArray(prop.enum)) return `one of ${prop.enum.join(', ')}`
  if (prop.type === 'integer') {
    return `an integer from ${String(prop.minimum)} to ${String(prop.maximum)}`
  }
  if (prop.type === 'boolean') return 'true or false'
  if (typeof prop.pattern === 'string') return `a value matching ${prop.pattern}`
  if (typeof prop.minLength === 'number') return `a string of at least ${prop.minLength} characters`
  return 'a valid value'
}

/**
 * Validates the named variables of `env` against the schema (defaults applied). Empty strings count as unset, as
 * shells and .env files produce them. Returns the values and one sentence per bad variable.
 */
function validate (env: Env, names: readonly string[]): { values: Record<string, unknown>, problems: string[] } {
  const input: Record<string, unknown> = {}
  for (const name of names) {
    const value = env[name]
    if (value !== undefined && value !== '') input[name] = value
  }
  const problems: string[] = []
  if (!validateEnv(input)) {
    const bad = new Set<string>()
    for (const e of validateEnv.errors ?? []) {
      const name = e.instancePath.replace(/^\//, '')
      if (name !== '' && !bad.has(name)) {
        bad.add(name)
        problems.push(`${name}=${JSON.stringify(env[name])} (expected ${expectation(name)})`)
      }
    }
  }
  return { values: input, problems }
}

/** What the release phase (core/migrate.ts) reads: it serves nothing, so it needs no token and no sandbox settings. */
export interface ReleaseConfig {
  readonly databaseUrl: string | undefined
  readonly databaseSchema: string
  readonly databaseStatementTimeoutMs: number
}

const RELEASE_VARIABLES = ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATABASE_STATEMENT_TIMEOUT_MS'] as const

/**
 * The release command's configuration: only the variables it uses are read and validated, so a platform can run it
 * with the database URL alone (a production image without ADMIN_TOKEN still migrates).
 */
export function loadReleaseConfig (env: Env = process.env): ReleaseConfig {
  const { values: v, problems } = validate(env, RELEASE_VARIABLES)
  if (problems.length > 0) throw createError('FN_ERR_CONFIG_INVALID', { message: problems.join('; ') })
  return Object.freeze({
    databaseUrl: v.DATABASE_URL as string | undefined,
    databaseSchema: v.DATABASE_SCHEMA as string,
    databaseStatementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS as number
  })
}

/**
 * Validates the environment once and returns the frozen Config of the serving process. Throws one
 * FN_ERR_CONFIG_INVALID naming every bad variable.
 */
export function loadConfig (env: Env = process.env): Config {
  const { values: v, problems } = validate(env, Object.keys(envSchema.properties))
  const nodeEnv = v.NODE_ENV as string
  if (nodeEnv === 'production' && v.ADMIN_TOKEN === undefined) {
    problems.push('ADMIN_TOKEN is required when NODE_ENV=production (management would be open to anyone)')
  }
  if (v.SECRETS_KEY_PREVIOUS !== undefined && v.SECRETS_KEY === undefined) {
    problems.push('SECRETS_KEY_PREVIOUS is set without SECRETS_KEY (rotation needs the new key in SECRETS_KEY)')
  }
  if (problems.length > 0) {
    throw createError('FN_ERR_CONFIG_INVALID', { message: problems.join('; ') })
  }
  const config: Config = {
    nodeEnv,
    port: (v.PORT ?? v.FUNCTIONS_PORT) as number,
    host: v.HOST as string,
    databaseUrl: v.DATABASE_URL as string | undefined,
    databasePoolSize: v.DATABASE_POOL_SIZE as number,
    databaseStatementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS as number,
    databaseSchema: v.DATABASE_SCHEMA as string,
    dataDir: v.DATA_DIR as string,
    redisUrl: v.REDIS_URL as string | undefined,
    redisPrefix: v.REDIS_PREFIX as string,
    apiEndpoint: v.API_ENDPOINT as string | undefined,
    logLevel: v.LOG_LEVEL as LogLevel,
    logFormat: v.LOG_FORMAT as 'text' | 'json',
    adminToken: v.ADMIN_TOKEN as string | undefined,
    secretsKey: parseKey(v.SECRETS_KEY as string | undefined),
    secretsKeyPrevious: parseKey(v.SECRETS_KEY_PREVIOUS as string | undefined),
    invokeToken: v.INVOKE_TOKEN as string | undefined,
    metricsToken: v.METRICS_TOKEN as string | undefined,
    metricsFunctionLabels: v.METRICS_FUNCTION_LABELS as boolean,
    sandboxPoolSize: v.SANDBOX_POOL_SIZE as number,
    sandboxSpares: v.SANDBOX_SPARES as number,
    sandboxMemoryMb: v.SANDBOX_MEMORY_MB as number,
    sandboxMaxHosts: v.SANDBOX_MAX_HOSTS as number | undefined,
    sandboxMaxInvocations: v.SANDBOX_MAX_INVOCATIONS as number,
    sandboxNetworkIsolation: v.SANDBOX_NETWORK_ISOLATION as boolean,
    functionTimeoutMs: v.FUNCTION_TIMEOUT_MS as number,
    codeCacheTtlMs: v.CODE_CACHE_TTL_MS as number,
    maxQueue: v.MAX_QUEUE as number,
    queueTimeoutMs: v.QUEUE_TIMEOUT_MS as number,
    maxBodyBytes: v.MAX_BODY_BYTES as number,
    maxCodeBytes: v.MAX_CODE_BYTES as number,
    maxResultBytes: v.MAX_RESULT_BYTES as number,
    maxLogLines: v.MAX_LOG_LINES as number,
    maxLogBytes: v.MAX_LOG_BYTES as number,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS as number,
    countFlushMs: v.COUNT_FLUSH_MS as number
  }
  return Object.freeze(config)
}
