import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../config/load-config.js'
import { buildService, type Service } from '../../core/app.js'
import { createLogger } from '../../core/logger.js'
import { dropRedisPrefix, dropSchema } from './backends.js'
import './clean-spawn.js'

export interface TestService {
  url: string
  service: Service
  dataDir: string
  logs: string[]
  /** fetch against the service, with JSON in and the parsed JSON (or text) out. */
  call (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number, headers: Headers, json: any, text: string }>
  /** Deploys a function (PUT, idempotent) from source text and asserts it was accepted. */
  deploy (projectId: string, name: string, code: string, extra?: Record<string, unknown>): Promise<any>
  invoke (projectId: string, name: string, event?: unknown): Promise<{ status: number, json: any }>
  stop (): Promise<void>
}

/** The environment the suite runs against: the embedded defaults, or the real PostgreSQL/Redis when CI sets them. */
export function backendEnv (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of ['DATABASE_URL', 'REDIS_URL']) {
    const value = process.env[name]
    if (value !== undefined && value !== '') env[name] = value
  }
  return env
}

/**
 * Two instances sharing one PostgreSQL schema and Redis prefix, as behind a load balancer. `teardown` (the test's)
 * gets a function that stops both and drops what they shared.
 */
export async function startInstances (name: string, teardown: (fn: () => Promise<void>) => void): Promise<[TestService, TestService]> {
  const shared = { DATABASE_SCHEMA: `${name}_${process.pid}`, REDIS_PREFIX: `fn-test:${name}${process.pid}` }
  const a = await startService(shared)
  const b = await startService(shared)
  teardown(async () => {
    await a.stop()
    await b.stop()
    await dropSchema(shared.DATABASE_SCHEMA)
    await dropRedisPrefix(shared.REDIS_PREFIX)
  })
  return [a, b]
}

/** Starts the real service on an ephemeral port with its own data dir (and its own schema/prefix on shared backends). */
export async function startService (env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<TestService> {
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), 'fn-test-'))
  const runId = `t${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const config = loadConfig({
    SANDBOX_POOL_SIZE: '2',
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    ...backendEnv(),
    DATABASE_SCHEMA: runId,
    REDIS_PREFIX: `fn-test:${runId}`,
    DATA_DIR: dataDir,
    ...env
  })
  const logs: string[] = []
  const log = createLogger({ level: config.logLevel, format: config.logFormat, write: (l) => { logs.push(l) } })
  const service = await buildService(config, log)
  const port = await service.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const adminHeaders: Record<string, string> = config.adminToken === undefined ? {} : { authorization: `Bearer ${config.adminToken}` }

  const call: TestService['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
    })
    const text = await res.text()
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    return { status: res.status, headers: res.headers, json, text }
  }
  let stopped = false
  return {
    url,
    service,
    dataDir,
    logs,
    call,
    async deploy (projectId, name, code, extra = {}) {
      const res = await call('PUT', `/api/functions/${projectId}/${name}`, { code, ...extra }, adminHeaders)
      if (res.status !== 200 && res.status !== 201) throw new Error(`deploy ${projectId}/${name} failed: ${res.status} ${res.text}`)
      return res.json.function
    },
    async invoke (projectId, name, event) {
      const res = await call('POST', `/api/v1/functions/${projectId}/${name}`, event === undefined ? undefined : JSON.stringify(event))
      return { status: res.status, json: res.json }
    },
    async stop () {
      if (stopped) return
      stopped = true
      await service.close()
      if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true })
      // Per-run schema and key prefix on the shared backends: leave nothing behind (a caller's own schema is theirs).
      if (env.DATABASE_SCHEMA === undefined) await dropSchema(config.databaseSchema)
      await dropRedisPrefix(config.redisPrefix)
    }
  }
}

/** Polls `check` until it returns true (a generous bound proves only that nothing hung). */
export async function eventually (check: () => Promise<boolean>, timeoutMs = 15000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

/** The source of a user-function fixture in test/fixtures/functions. */
export function fixture (name: string): Promise<string> {
  return readFile(new URL(`../../../test/fixtures/functions/${name}`, import.meta.url), 'utf8')
}
