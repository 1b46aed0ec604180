import t from 'tap'
import { loadConfig, loadReleaseConfig } from '../../config/load-config.js'
import { hasCode } from '../../core/errors.js'

t.test('defaults apply when the environment is empty', async t => {
  const c = loadConfig({})
  t.equal(c.port, 9001)
  t.equal(c.host, '0.0.0.0')
  t.equal(c.functionTimeoutMs, 30000)
  t.equal(c.codeCacheTtlMs, 600000)
  t.equal(c.maxBodyBytes, 6 * 1024 * 1024)
  t.equal(c.maxCodeBytes, 1024 * 1024)
  t.equal(c.maxLogLines, 1000)
  t.equal(c.maxLogBytes, 256 * 1024)
  t.equal(c.shutdownGraceMs, 25000)
  t.equal(c.sandboxMemoryMb, 128)
  t.equal(c.dataDir, './data')
  t.equal(c.databaseUrl, undefined)
  t.ok(Object.isFrozen(c))
})

t.test('PORT wins over FUNCTIONS_PORT', async t => {
  t.equal(loadConfig({ FUNCTIONS_PORT: '8000' }).port, 8000)
  t.equal(loadConfig({ FUNCTIONS_PORT: '8000', PORT: '5000' }).port, 5000)
})

t.test('one error names every bad variable and what it expects', async t => {
  try {
    loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', SANDBOX_POOL_SIZE: '0', DATABASE_URL: 'mysql://x' })
    t.fail('should throw')
  } catch (err) {
    t.ok(hasCode(err, 'FN_ERR_CONFIG_INVALID'))
    const msg = (err as Error).message
    for (const name of ['PORT', 'LOG_LEVEL', 'SANDBOX_POOL_SIZE', 'DATABASE_URL']) t.match(msg, name)
    t.match(msg, 'one of debug, info, warn, error')
    t.match(msg, 'an integer from 1 to 256')
  }
})

t.test('empty strings count as unset', async t => {
  t.equal(loadConfig({ PORT: '', ADMIN_TOKEN: '' }).port, 9001)
})

t.test('production refuses to start without ADMIN_TOKEN', async t => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), /ADMIN_TOKEN is required/)
  t.equal(loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(32) }).adminToken, 'x'.repeat(32))
})

t.test('the release phase reads only the database variables', async t => {
  // A production release step with no ADMIN_TOKEN (and a web-only setting it never reads) still migrates.
  const release = loadReleaseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', SANDBOX_POOL_SIZE: '0' })
  t.same({ ...release }, { databaseUrl: 'postgres://db/x', databaseSchema: 'public', databaseStatementTimeoutMs: 5000 })
  t.throws(() => loadReleaseConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL="mysql:\/\/x"/)
  t.throws(() => loadReleaseConfig({ DATABASE_SCHEMA: 'Bad-Name' }), /DATABASE_SCHEMA/)
  t.throws(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' }), /ADMIN_TOKEN is required/, 'the web process still needs the token')
})
