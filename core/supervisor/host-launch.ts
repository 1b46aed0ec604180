import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'

/** The unprivileged account sandbox hosts run as when the service runs as root (Debian's and Alpine's `nobody`). */
export const NOBODY = 65534
const UNSHARE = '/usr/bin/unshare'

/** How sandbox hosts are started on this machine: the command that wraps Node, and what isolation it gives. */
export interface HostLaunch {
  /** Passed to fork() as execPath/execArgv; undefined execPath means plain Node. */
  execPath?: string
  prefixArgs: string[]
  /** What this launch gives, for the start-up log line and /health. */
  isolation: { network: boolean, uid: number | null }
  /** Why some isolation is missing, or null. */
  warning: string | null
}

/**
 * Decides once at start-up how to launch sandbox hosts. Node 20's permission model cannot stop network sockets, so
 * where the platform allows it each host starts in an empty network namespace (`unshare --net`: no interface but a
 * downed loopback). As root the host also drops to `nobody`; as another user it enters an unprivileged user
 * namespace first (`--user --map-root-user`), which most kernels allow. The launch is probed by running it once;
 * where it fails (Docker's default seccomp profile forbids unshare) hosts start as plain Node, with a warning.
 */
export function chooseHostLaunch (opts: { isolateNetwork: boolean }): HostLaunch {
  const root = process.getuid?.() === 0
  if (!opts.isolateNetwork) {
    return { prefixArgs: [], isolation: { network: false, uid: null }, warning: 'SANDBOX_NETWORK_ISOLATION=false: functions that escape the realm can open network connections' }
  }
  try {
    accessSync(UNSHARE, constants.X_OK)
  } catch {
    return { prefixArgs: [], isolation: { network: false, uid: null }, warning: `${UNSHARE} is not available: sandbox hosts share the network namespace of the service` }
  }
  const args = root
    ? ['--net', '--setgid', String(NOBODY), '--setuid', String(NOBODY), '--']
    : ['--user', '--map-root-user', '--net', '--']
  const probe = spawnSync(UNSHARE, [...args, process.execPath, '-e', ''], { stdio: 'ignore', timeout: 5000, env: {} })
  if (probe.status !== 0) {
    return { prefixArgs: [], isolation: { network: false, uid: null }, warning: 'this platform does not allow a network namespace (root, CAP_SYS_ADMIN or unprivileged user namespaces): sandbox hosts share the network of the service' }
  }
  return { execPath: UNSHARE, prefixArgs: [...args, process.execPath], isolation: { network: true, uid: root ? NOBODY : null }, warning: null }
}
