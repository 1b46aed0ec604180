import type { AddressInfo } from 'node:net'
import type http from 'node:http'
import { fileURLToPath } from 'node:url'
import type { Config } from '../config/schema.js'
import { selectPlugins } from '../plugins/index.js'
import { Compiler } from './compile/compiler.js'
import { EnvService } from './env-service.js'
import { SecretBox } from './secrets/secret-box.js'
import { FunctionService } from './function-service.js'
import { bearerCheck } from './http/auth.js'
import { createHttpServer } from './http/server.js'
import { createBodyValidators } from './http/validate.js'
import { InvocationCounter } from './invocation-counter.js'
import { Invoker } from './invoker.js'
import type { Logger } from './logger.js'
import { Metrics } from './metrics.js'
import { createPluginHost } from './plugin-loader.js'
import { FunctionRouter } from './sites/function-router.js'
import { chooseHostLaunch } from './supervisor/host-launch.js'
import { machineMemoryBytes } from './supervisor/host-memory.js'
import { Supervisor } from './supervisor/supervisor.js'

export const SANDBOX_HOST_SCRIPT = fileURLToPath(new URL('../sandbox-host/main.js', import.meta.url))
const SANDBOX_HOST_DIR = fileURLToPath(new URL('../sandbox-host/', import.meta.url))

/**
 * Node's permission model for sandbox hosts (layer 2 of SECURITY.md): reads only of the host's own compiled code,
 * no writes, no child processes, no worker threads. Node 20 spells the flag --experimental-permission; later
 * releases --permission.
 */
export const SANDBOX_HOST_FLAGS: readonly string[] = [
  process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission',
  `--allow-fs-read=${SANDBOX_HOST_DIR}*`,
  '--disable-warning=ExperimentalWarning',
  '--disallow-code-generation-from-strings'
]

export interface Service {
  readonly server: http.Server
  /** Listens and resolves with the bound port (0 asks the OS for a free one). */
  listen (port: number, host: string): Promise<number>
  /** Graceful stop (docs/API.md, Signals and shutdown). Idempotent. */
  close (): Promise<void>
}

/** How long a storage ping may take before /health calls storage unreachable. */
const STORAGE_PING_TIMEOUT_MS = 2000

/**
 * Builds the whole service from a validated config: plugins (storage, cache), the compile pool, the sandbox
 * supervisor and the HTTP front. Nothing here reads the environment.
 */
export async function buildService (config: Config, log: Logger): Promise<Service> {
  const startedAt = Date.now()
  const plugins = createPluginHost(config, log, selectPlugins(config))
  await plugins.ready()
  const registry = plugins.get('registry')
  const cache = plugins.get('functionCache')

  const launch = chooseHostLaunch({ isolateNetwork: config.sandboxNetworkIsolation, memoryMb: config.sandboxMemoryMb })
  for (const warning of launch.warnings) log.warn(`sandbox isolation reduced: ${warning}`)
  log.info('sandbox host isolation', { network: launch.isolation.network, uid: launch.isolation.uid, addressSpace: launch.isolation.addressSpace })
  const supervisor = new Supervisor({
    launch,
    hostScript: SANDBOX_HOST_SCRIPT,
    poolSize: config.sandboxPoolSize,
    spares: config.sandboxSpares,
    memoryMb: config.sandboxMemoryMb,
    maxInvocationsPerHost: config.sandboxMaxInvocations,
    maxQueue: config.maxQueue,
    queueTimeoutMs: config.queueTimeoutMs,
    ...(config.sandboxMaxHosts !== undefined ? { maxHosts: config.sandboxMaxHosts } : {}),
    // Half of what the machine (or the container) has: the rest is the front's, the database's and the kernel's.
    hostMemoryBudgetBytes: await machineMemoryBytes() / 2,
    limits: { maxLogLines: config.maxLogLines, maxLogBytes: config.maxLogBytes, maxResultBytes: config.maxResultBytes },
    log: log.child({ component: 'supervisor' }),
    execArgv: [...SANDBOX_HOST_FLAGS]
  })
  const metrics = new Metrics({
    functionLabels: config.metricsFunctionLabels,
    pool: () => {
      const s = supervisor.stats()
      return { hosts: { idle: s.hosts.idle, busy: s.hosts.busy, starting: s.hosts.starting }, inFlight: s.inFlight, queueDepth: s.queueDepth, maxHosts: s.maxHosts, hostsMemoryBytes: s.hostsMemoryBytes }
    }
  })
  supervisor.on('restart', (reason) => { metrics.restart(reason) })
  try {
    await supervisor.start()
  } catch (err) {
    await supervisor.destroy()
    await plugins.close()
    throw err
  }
  const compiler = new Compiler({ maxThreads: 1 })
  const counter = new InvocationCounter(registry, log, config.countFlushMs, { discard: registry.kind === 'remote' })
  const box = config.secretsKey === undefined ? undefined : new SecretBox(config.secretsKey, config.secretsKeyPrevious)
  const invoker = new Invoker({ config, registry, cache, supervisor, counter, metrics, log, ...(box !== undefined ? { box } : {}) })
  const env = new EnvService({ registry, cache, box })
  const functions = new FunctionService({ config, registry, cache, compiler, counter, metrics, env })
  const router = new FunctionRouter({ registry, cache, ttlMs: config.codeCacheTtlMs })
  const state = { draining: false }

  const health = async (): Promise<{ statusCode: number, body: Record<string, unknown> }> => {
    const s = supervisor.stats()
    let status = 'ok'
    let reason: string | undefined
    if (state.draining) {
      status = 'draining'
    } else {
      try {
        await pingWithin(registry.ping(), STORAGE_PING_TIMEOUT_MS)
      } catch (err) {
        status = 'degraded'
        reason = `storage unreachable: ${(err as Error).message}`
      }
      if (s.degraded !== null) {
        status = 'degraded'
        reason = reason === undefined ? s.degraded : `${reason}; ${s.degraded}`
      }
    }
    const { successful, failed } = invoker.totals
    return {
      statusCode: status === 'ok' ? 200 : 503,
      body: {
        status,
        ...(reason !== undefined ? { reason } : {}),
        uptime: Math.round((Date.now() - startedAt) / 1000),
        totalInvocations: successful + failed,
        successfulInvocations: successful,
        failedInvocations: failed,
        sandboxes: { size: s.hosts.idle + s.hosts.busy + s.hosts.starting, busy: s.hosts.busy, restarts: s.restarts },
        queue: { depth: s.queueDepth }
      }
    }
  }

  const auth = {
    admin: bearerCheck(config.adminToken),
    invoke: bearerCheck(config.invokeToken, config.invokeToken === undefined ? undefined : config.adminToken),
    metrics: bearerCheck(config.metricsToken)
  }
  const server = createHttpServer({ config, invoker, router, functions, env, metrics, validators: createBodyValidators(config), auth, state, health }, log)

  let closing: Promise<void> | undefined
  return {
    server,
    listen: (port, host) => new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve((server.address() as AddressInfo).port)
      })
    }),
    close () {
      closing ??= (async () => {
        // Keep listening while draining: load balancers read `503 draining` from /health and new invocations get
        // `503 Service shutting down` (with Connection: close) instead of a refused connection.
        state.draining = true
        await supervisor.close(config.shutdownGraceMs)
        await counter.close()
        await compiler.close()
        const serverClosed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
        server.closeAllConnections()
        await serverClosed
        await plugins.close()
        log.info('stopped')
      })()
      return closing
    }
  }
}

function pingWithin (ping: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    ping,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms)
    })
  ]).finally(() => { clearTimeout(timer) })
}
