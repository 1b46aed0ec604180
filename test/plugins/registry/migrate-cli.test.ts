import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { DATABASE_URL, dropSchema } from '../../helpers/backends.js'
import { cleanEnv } from '../../helpers/clean-spawn.js'

const MIGRATE = fileURLToPath(new URL('../../../core/migrate.js', import.meta.url))

function migrate (env: Record<string, string>): Promise<{ code: number | null, out: string }> {
  const child = spawn(process.execPath, [MIGRATE], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c) => { out += c })
  child.stderr.on('data', (c) => { out += c })
  return new Promise((resolve) => child.once('exit', (code) => { resolve({ code, out }) }))
}

t.test('the release command without DATABASE_URL has nothing to do', async t => {
  const { code, out } = await migrate({ DATABASE_URL: '' })
  t.equal(code, 0)
  t.match(out, /embedded store migrates itself/)
})

t.test('the release command migrates an empty PostgreSQL schema once', { skip: DATABASE_URL === undefined ? 'DATABASE_URL is not set' : false }, async t => {
  const schema = `release_${process.pid}`
  t.teardown(() => dropSchema(schema))
  const first = await migrate({ DATABASE_URL: DATABASE_URL as string, DATABASE_SCHEMA: schema })
  t.same([first.code, first.out.trim()], [0, '[FUNCTIONS] [INFO] migrations applied: 1 create functions, 2 site routes, 3 variables'])
  const second = await migrate({ DATABASE_URL: DATABASE_URL as string, DATABASE_SCHEMA: schema })
  t.same([second.code, second.out.trim()], [0, '[FUNCTIONS] [INFO] migrations applied: none pending'])
})

t.test('the release command fails with one line when the database is unreachable', async t => {
  const { code, out } = await migrate({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
  t.equal(code, 1)
  t.match(out, /^\[FUNCTIONS\] \[ERROR\] migration failed: /)
  t.equal(out.trim().split('\n').length, 1)
})
