import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// No container engine runs here, so the container files are held to what a platform relies on, line by line.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

t.test('the Dockerfile: two stages on a Node LTS base, production dependencies only, non-root, health-checked', async t => {
  const lines = (await readFile(`${ROOT}Dockerfile`, 'utf8')).split('\n').filter((l) => !l.startsWith('#'))
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
  t.match(text, /^HEALTHCHECK .*\n?.*\/health/m)
  t.match(text, /^CMD \["node", "dist\/core\/main\.js"\]$/m, 'node as PID 1 gets SIGTERM itself (no shell in between)')
  const ignore = (await readFile(`${ROOT}.dockerignore`, 'utf8')).split('\n')
  for (const entry of ['node_modules', 'dist', '.git']) t.ok(ignore.some((l) => l.replace(/^\//, '').replace(/\/$/, '') === entry), `.dockerignore has ${entry}`)
})

t.test('docker-compose.yml: the service, PostgreSQL, Redis and the release migration', async t => {
  const text = await readFile(`${ROOT}docker-compose.yml`, 'utf8')
  for (const service of ['postgres', 'redis', 'migrate', 'functions']) t.match(text, new RegExp(`^  ${service}:$`, 'm'), `service ${service}`)
  t.match(text, /command: \["node", "dist\/core\/migrate\.js"\]/)
  t.match(text, /condition: service_completed_successfully/, 'instances start after the migration')
  t.match(text, /DATABASE_URL: postgres:\/\//)
  t.match(text, /REDIS_URL: redis:\/\//)
})
