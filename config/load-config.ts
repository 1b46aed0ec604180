import { Ajv } from 'ajv'
import { createError } from '../core/errors.js'
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
 * Validates the environment once and returns the frozen Config. Empty strings count as unset, as shells and
 * .env files produce them. Throws one FN_ERR_CONFIG_INVALID naming every bad variable.
 */
export function loadConfig (env: Env = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const name of Object.keys(envSchema.properties)) {
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
  const v = input as Record<string, unknown>
  const nodeEnv = v.NODE_ENV as string
  if (nodeEnv === 'production' && v.ADMIN_TOKEN === undefined) {
    problems.push('ADMIN_TOKEN is required when NODE_ENV=production (management would be open to anyone)')
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
    invokeToken: v.INVOKE_TOKEN as string | undefined,
    metricsToken: v.METRICS_TOKEN as string | undefined,
    metricsFunctionLabels: v.METRICS_FUNCTION_LABELS as boolean,
    sandboxPoolSize: v.SANDBOX_POOL_SIZE as number,
    sandboxSpares: v.SANDBOX_SPARES as number,
    sandboxMemoryMb: v.SANDBOX_MEMORY_MB as number,
    sandboxMaxInvocations: v.SANDBOX_MAX_INVOCATIONS as number,
    sandboxNetworkIsolation: v.SANDBOX_NETWORK_ISOLATION as boolean,
    functionTimeoutMs: v.FUNCTION_TIMEOUT_MS as number,
    codeCacheTtlMs: v.CODE_CACHE_TTL_MS as number,
    maxQueue: v.MAX_QUEUE as number,
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
