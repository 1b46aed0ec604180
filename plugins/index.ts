import type { Config } from '../config/schema.js'
import { memoryCachePlugin } from './cache/memory.js'
import { redisCachePlugin } from './cache/redis.js'
import { embeddedRegistryPlugin } from './registry/embedded.js'
import { postgresRegistryPlugin } from './registry/postgres.js'
import type { Plugin } from './types.js'

/** Which storage and cache plugins run, decided by configuration alone. */
export function selectPlugins (config: Config): Plugin[] {
  if (config.apiEndpoint !== undefined) {
    // Refuse rather than silently serve from a local store the operator did not ask for.
    throw new Error('API_ENDPOINT (reading functions from another instance) is not supported by this version; unset it')
  }
  return [
    config.databaseUrl !== undefined ? postgresRegistryPlugin : embeddedRegistryPlugin,
    config.redisUrl !== undefined ? redisCachePlugin : memoryCachePlugin
  ]
}
