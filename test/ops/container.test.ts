import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../../config/load-config.js'
import { DATABASE_URL, dropSchema, needs } from '../helpers/backends.js'
import { startService } from '../helpers/service.js'
import { interpolate } from './compose-interpolate.js'
import { runTool } from './tool.js'

// No container engine runs here, so the container files are held to what a platform relies on: the Dockerfile line
// by line, its HEALTHCHECK command run for real against a service, and the Compose environments through the
// service's own configuration loader.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The Dockerfile without comments, continuation lines joined. */
async function dockerfile (): Promise<string[]> {
  const text = await readFile(`${ROOT}Dockerfile`, 'utf8')
  return text.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\\\n\s*/g, '').split('\n')
}

t.test('the Dockerfile: two stages on a Node LTS base, production dependencies only, non-root, health-checked', async t => {
  const lines = await dockerfile()
  const from = lines.filter((l) => l.startsWith('FROM '))
  t.equal(from.length, 2, 'build and run stages')
  for (const f of from) {
    const major = Number(/node:(\d+)/.exec(f)?.[1])
    t.ok(major >= 22 && major % 2 === 0, `${f}: an even-numbered (LTS) Node line still supported`)
  }
  const text = lines.join('\n')
  t.match(text, /npm prune --omit=dev/, 'dev dependencies pruned before the run stage copies node_modules')
  t.match(text, /^USER node$/m)
  t.match(text, /^EXPOSE 9001$/m)
  t.match(text, /^STOPSIGNAL SIGTERM$/m)
  t.match(text, /^HEALTHCHECK .* CMD .*\/health/m)
  t.match(text, /^CMD \["node", "dist\/core\/main\.js"\]$/m, 'node as PID 1 gets SIGTERM itself (no shell in between)')
  const ignore = (await readFile(`${ROOT}.dockerignore`, 'utf8')).split('\n')
  for (const entry of ['node_modules', 'dist', '.git']) t.ok(ignore.some((l) => l.replace(/^\//, '').replace(/\/$/, '') === entry), `.dockerignore has ${entry}`)
})

t.test('the HEALTHCHECK command passes on a serving instance and fails when nothing answers', async t => {
  // The shell form, as Docker runs it: /bin/sh -c '<command>' with the container's environment.
  const command = /^HEALTHCHECK .* CMD (.*)$/m.exec((await dockerfile()).join('\n'))?.[1]
  t.type(command, 'string')
  const svc = await startService()
  t.teardown(() => svc.stop())
  const port = new URL(svc.url).port
  // Asynchronous: the service answering the check runs in this very process.
  const check = async (env: Record<string, string>): Promise<number | null> => await new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command as string], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore', timeout: 30_000 })
    child.once('exit', (code) => { resolve(code) })
  })
  t.equal(await check({ PORT: port }), 0, 'healthy: /health answered 200 on $PORT')
  t.equal(await check({ FUNCTIONS_PORT: port }), 0, 'FUNCTIONS_PORT when PORT is unset')
  await svc.stop()
  t.equal(await check({ PORT: port }), 1, 'unhealthy: nothing listens')
})

t.test('docker-compose.yml: the service, PostgreSQL, Redis and the release step, with environments the service accepts', async t => {
  const compose = parse(await readFile(`${ROOT}docker-compose.yml`, 'utf8')) as {
    services: Record<string, { image?: string, build?: string, command?: string[], environment?: Record<string, string>, healthcheck?: { test: string[] }, depends_on?: Record<string, { condition: string }> }>
  }
  const { postgres, redis, migrate, functions } = compose.services
  t.ok(postgres?.healthcheck !== undefined && redis?.healthcheck !== undefined, 'PostgreSQL and Redis are health-checked')
  t.equal(functions?.build, '.', 'the service is built from the Dockerfile (whose HEALTHCHECK it keeps)')
  t.same(migrate?.command, ['node', 'dist/core/migrate.js'], 'the release step is the Procfile\'s release command')
  t.same(functions?.depends_on?.migrate, { condition: 'service_completed_successfully' }, 'instances start after the migration')
  t.same(functions?.depends_on?.redis, { condition: 'service_healthy' })
  t.same(migrate?.depends_on?.postgres, { condition: 'service_healthy' })

  // The image's ENV comes first and Compose's environment overrides it, as in a container.
  const imageEnv = Object.fromEntries([...(await dockerfile()).join('\n').matchAll(/^ENV (.*)$/gm)]
    .flatMap((m) => (m[1] as string).trim().split(/\s+/).map((kv) => kv.split('=') as [string, string])))
  t.equal(imageEnv.NODE_ENV, 'production', 'the image runs in production mode')
  const environment = (service: { environment?: Record<string, string> } | undefined, shell: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), shell)]))

  // The instances: the real config loader accepts their environment once the operator gives the token, and Compose
  // itself refuses to start when the operator has not.
  const shell = { ADMIN_TOKEN: 'a-secret-of-thirty-two-characters' }
  const config = loadConfig({ ...imageEnv, ...environment(functions, shell) })
  t.equal(config.databaseUrl, 'postgres://functions:functions@postgres:5432/functions', 'functions: PostgreSQL from DATABASE_URL')
  t.equal(config.redisUrl, 'redis://redis:6379', 'functions: Redis from REDIS_URL')
  t.equal(config.adminToken, shell.ADMIN_TOKEN, 'functions: the operator\'s ADMIN_TOKEN')
  t.throws(() => environment(functions, {}), /ADMIN_TOKEN/, 'functions: ADMIN_TOKEN must come from the operator')

  // The release step: its environment, over the image's, is all the real release command needs (no ADMIN_TOKEN in
  // production). Compose's database host does not exist here, so its URL is pointed at this machine's PostgreSQL.
  const releaseEnv = { ...imageEnv, ...environment(migrate, {}) }
  t.equal(releaseEnv.DATABASE_URL, config.databaseUrl, 'migrate: the instances\' database')
  t.notOk('ADMIN_TOKEN' in releaseEnv, 'migrate: no token handed to a step that serves nothing')
  if (!needs('PostgreSQL (DATABASE_URL)', DATABASE_URL !== undefined)) return
  const schema = `compose_release_${process.pid}`
  t.teardown(async () => { await dropSchema(schema) })
  const run = runTool(process.execPath, [`${ROOT}dist/core/migrate.js`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...releaseEnv, DATABASE_URL: DATABASE_URL as string, DATABASE_SCHEMA: schema }
  })
  t.equal(run.status, 0, run.output)
  t.match(run.output, /migrations applied: 1/)
})
