import { loadConfig } from '../config/load-config.js'
import type { SqlFunctionRegistry } from '../plugins/registry/sql-registry.js'
import { openEmbeddedStore } from '../plugins/registry/embedded.js'
import { openPostgresStore } from '../plugins/registry/postgres.js'
import { SecretBox } from './secrets/secret-box.js'

/**
 * `npm run rotate-secrets`: re-seals every secret variable under SECRETS_KEY, opening each with SECRETS_KEY or
 * SECRETS_KEY_PREVIOUS. Run it after setting the new key as SECRETS_KEY and the old one as SECRETS_KEY_PREVIOUS
 * (on every instance); once it has run and CODE_CACHE_TTL_MS has passed, SECRETS_KEY_PREVIOUS can go. A secret
 * written meanwhile is left as it was written (already under the new key). With the embedded store, stop the
 * service first: its data directory has one opener at a time.
 */
async function main (): Promise<void> {
  const config = loadConfig(process.env)
  if (config.secretsKey === undefined) throw new Error('SECRETS_KEY is not set: set the new key there and the old one in SECRETS_KEY_PREVIOUS')
  const box = new SecretBox(config.secretsKey, config.secretsKeyPrevious)
  const store: { registry: SqlFunctionRegistry, close: () => Promise<void> } = config.databaseUrl === undefined
    ? await openEmbeddedStore(config.dataDir)
    : await openPostgresStore(config.databaseUrl, { schema: config.databaseSchema, statementTimeoutMs: config.databaseStatementTimeoutMs, poolSize: 1 })
  let resealed = 0
  let current = 0
  let unreadable = 0
  try {
    for (const secret of await store.registry.env.secrets()) {
      const id = { projectId: secret.projectId, functionName: secret.functionName, name: secret.name }
      if (box.isCurrent(secret.sealed, id)) {
        current++
        continue
      }
      let value: string
      try {
        value = box.open(secret.sealed, id)
      } catch {
        unreadable++
        process.stderr.write(`[FUNCTIONS] [ERROR] ${secret.projectId}/${secret.functionName === '' ? '(project)' : secret.functionName} ${secret.name}: opens under neither key; left as it is\n`)
        continue
      }
      if (await store.registry.env.reseal(secret, box.seal(value, id))) resealed++
      else current++
    }
  } finally {
    await store.close()
  }
  process.stdout.write(`[FUNCTIONS] [INFO] secrets re-sealed: ${resealed}, already under SECRETS_KEY: ${current}, unreadable: ${unreadable}\n`)
  if (unreadable > 0) process.exitCode = 1
}

main().catch((err: unknown) => {
  process.stderr.write(`[FUNCTIONS] [ERROR] rotating secrets failed: ${(err as Error).message}\n`)
  process.exit(1)
})
