import os from 'node:os'

/**
 * The environment variables the service reads, as one JSON schema with the defaults. load-config.ts validates
 * `process.env` against it once at start-up; nothing else reads the environment.
 */
export const envSchema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', default: 'development' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    FUNCTIONS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9001 },
    HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    DATABASE_STATEMENT_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 5000 },
    DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    REDIS_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:_-]{1,64}$', default: 'functions' },
    API_ENDPOINT: { type: 'string', pattern: '^https?://' },
    LOG_LEVEL: { type: 'string', enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
    LOG_FORMAT: { type: 'string', enum: ['text', 'json'], default: 'text' },
    ADMIN_TOKEN: { type: 'string', minLength: 16 },
    // 32 bytes in base64 (`openssl rand -base64 32`): the key of secret variables, and the one it replaces.
    SECRETS_KEY: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
    SECRETS_KEY_PREVIOUS: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
    INVOKE_TOKEN: { type: 'string', minLength: 16 },
    METRICS_TOKEN: { type: 'string', minLength: 16 },
    METRICS_FUNCTION_LABELS: { type: 'boolean', default: true },
    SANDBOX_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 256, default: Math.max(1, os.availableParallelism()) },
    SANDBOX_SPARES: { type: 'integer', minimum: 0, maximum: 16, default: 1 },
    SANDBOX_MEMORY_MB: { type: 'integer', minimum: 16, maximum: 16384, default: 128 },
    SANDBOX_MAX_HOSTS: { type: 'integer', minimum: 1, maximum: 100000 },
    SANDBOX_MAX_INVOCATIONS: { type: 'integer', minimum: 1, maximum: 100000000, default: 10000 },
    SANDBOX_NETWORK_ISOLATION: { type: 'boolean', default: true },
    FUNCTION_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: 900000, default: 30000 },
    CODE_CACHE_TTL_MS: { type: 'integer', minimum: 1000, maximum: 86400000, default: 600000 },
    MAX_QUEUE: { type: 'integer', minimum: 0, maximum: 1000000, default: 1000 },
    QUEUE_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: 3600000, default: 30000 },
    MAX_BODY_BYTES: { type: 'integer', minimum: 1024, maximum: 104857600, default: 6291456 },
    MAX_CODE_BYTES: { type: 'integer', minimum: 1024, maximum: 104857600, default: 1048576 },
    MAX_RESULT_BYTES: { type: 'integer', minimum: 1024, maximum: 104857600, default: 6291456 },
    MAX_LOG_LINES: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000 },
    MAX_LOG_BYTES: { type: 'integer', minimum: 256, maximum: 104857600, default: 262144 },
    SHUTDOWN_GRACE_MS: { type: 'integer', minimum: 0, maximum: 3600000, default: 25000 },
    COUNT_FLUSH_MS: { type: 'integer', minimum: 50, maximum: 60000, default: 1000 }
  },
  additionalProperties: true
} as const

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** The validated, frozen configuration passed down from main.ts. */
export interface Config {
  readonly nodeEnv: string
  readonly port: number
  readonly host: string
  readonly databaseUrl: string | undefined
  readonly databasePoolSize: number
  readonly databaseStatementTimeoutMs: number
  readonly databaseSchema: string
  readonly dataDir: string
  readonly redisUrl: string | undefined
  readonly redisPrefix: string
  readonly apiEndpoint: string | undefined
  readonly logLevel: LogLevel
  readonly logFormat: 'text' | 'json'
  readonly adminToken: string | undefined
  /** SECRETS_KEY and SECRETS_KEY_PREVIOUS, decoded (32 bytes each); undefined when not set. */
  readonly secretsKey: Buffer | undefined
  readonly secretsKeyPrevious: Buffer | undefined
  readonly invokeToken: string | undefined
  readonly metricsToken: string | undefined
  readonly metricsFunctionLabels: boolean
  readonly sandboxPoolSize: number
  readonly sandboxSpares: number
  readonly sandboxMemoryMb: number
  /** Hosts kept at most; undefined: sized from memory at run time. */
  readonly sandboxMaxHosts: number | undefined
  readonly sandboxMaxInvocations: number
  readonly sandboxNetworkIsolation: boolean
  readonly functionTimeoutMs: number
  readonly codeCacheTtlMs: number
  readonly maxQueue: number
  readonly queueTimeoutMs: number
  readonly maxBodyBytes: number
  readonly maxCodeBytes: number
  readonly maxResultBytes: number
  readonly maxLogLines: number
  readonly maxLogBytes: number
  readonly shutdownGraceMs: number
  readonly countFlushMs: number
}
