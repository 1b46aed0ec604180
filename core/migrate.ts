import { loadReleaseConfig } from '../config/load-config.js'
import { runMigrations } from '../plugins/registry/postgres.js'

/**
 * `npm run migrate` (the Procfile's release phase): applies pending migrations to DATABASE_URL under an advisory
 * lock and exits. It reads only the DATABASE_* variables (a release phase needs no ADMIN_TOKEN). Without DATABASE_URL there is nothing to do: the embedded store migrates itself when it opens.
 */
async function main (): Promise<void> {
  const config = loadReleaseConfig(process.env)
  if (config.databaseUrl === undefined) {
    process.stdout.write('[FUNCTIONS] [INFO] DATABASE_URL is not set: the embedded store migrates itself at start-up\n')
    return
  }
  const applied = await runMigrations(config.databaseUrl, { schema: config.databaseSchema, statementTimeoutMs: config.databaseStatementTimeoutMs, poolSize: 1 })
  process.stdout.write(`[FUNCTIONS] [INFO] migrations applied: ${applied.length === 0 ? 'none pending' : applied.join(', ')}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`[FUNCTIONS] [ERROR] migration failed: ${(err as Error).message}\n`)
  process.exit(1)
})
