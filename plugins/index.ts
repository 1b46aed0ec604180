import type { Config } from '../config/schema.js'
import { memoryCachePlugin } from './cache/memory.js'
import { redisCachePlugin } from './cache/redis.js'
import { embeddedRegistryPlugin } from './registry/embedded.js'
import { postgresRegistryPlugin } from './registry/postgres.js'
import { remoteRegistryPlugin } from './registry/remote-api.js'
import type { Plugin } from './types.js'

/**
 * Which storage and cache plugins run, decided by configuration alone: an execution node (API_ENDPOINT) reads from
 * another instance and needs no database; otherwise PostgreSQL when DATABASE_URL is set, the embedded store if not.
 */
export function selectPlugins (config: Config): Plugin[] {
  const registry = config.apiEndpoint !== undefined
    ? remoteRegistryPlugin
    : config.databaseUrl !== undefined ? postgresRegistryPlugin : embeddedRegistryPlugin
  return [
    registry,
    config.redisUrl !== undefined ? redisCachePlugin : memoryCachePlugin
  ]
}
