import { loadConfig } from '../config/load-config.js'
import { buildService } from './app.js'
import { createLogger } from './logger.js'

/**
 * Process entry: validate the environment once, build the service, serve; SIGTERM/SIGINT (sent to the whole process
 * group by Heroku-style platforms) drain it and exit 0. Start-up failures print one line and exit 1.
 */
async function main (): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    process.stderr.write(`[FUNCTIONS] [ERROR] ${(err as Error).message}\n`)
    process.exit(1)
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat })
  if (config.adminToken === undefined) {
    log.warn('ADMIN_TOKEN is not set: the management API is open to anyone who can reach this port')
  }
  let service
  try {
    service = await buildService(config, log)
  } catch (err) {
    log.error(`start-up failed: ${(err as Error).message}`)
    process.exit(1)
  }
  const port = await service.listen(config.port, config.host)
  log.info(`Functions service listening on http://${config.host}:${port}`)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info(`${signal} received: draining`)
    service.close().then(() => process.exit(0), (err: unknown) => {
      log.error(`shutdown failed: ${(err as Error).message}`)
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
}

void main()
