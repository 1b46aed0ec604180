import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'

/** The unprivileged account sandbox hosts run as when the service runs as root (Debian's and Alpine's `nobody`). */
export const NOBODY = 65534
const UNSHARE = '/usr/bin/unshare'
const PRLIMIT = '/usr/bin/prlimit'

/**
 * Address space a host may map: Node reserves about 0.9 GiB of virtual memory before it runs anything, and
 * ArrayBuffer backing stores live outside the V8 heap that --max-old-space-size caps. Twice the heap cap on top of a
 * GiB bounds both: past it an ArrayBuffer allocation fails inside the realm (a RangeError), and the heap dies of OOM.
 */
export function addressSpaceBytes (memoryMb: number): number {
  return (1024 + 2 * memoryMb) * 1024 * 1024
}

/** How sandbox hosts are started on this machine: the command that wraps Node, and what isolation it gives. */
export interface HostLaunch {
  /** Passed to fork() as execPath; undefined means Node itself. */
  execPath?: string
  /** Arguments of the wrapping commands, ending with the Node binary, placed before Node's own flags. */
  prefixArgs: string[]
  isolation: { network: boolean, uid: number | null, addressSpace: boolean }
  /** Why some isolation is missing, or null. */
  warnings: string[]
}

function executable (path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Runs the launch once with an empty program: the only reliable test of what this platform allows. */
function works (command: string[]): boolean {
  const [file, ...args] = command
  return spawnSync(file as string, [...args, '-e', ''], { stdio: 'ignore', timeout: 5000, env: {} }).status === 0
}

/**
 * Decides once at start-up how to launch sandbox hosts. Node 20's permission model cannot stop network sockets, so
 * where the platform allows it each host starts in an empty network namespace (`unshare --net`: no interface but a
 * downed loopback). As root the host also drops to `nobody`; as another user it enters an unprivileged user
 * namespace first (`--user --map-root-user`), which most kernels allow. `prlimit --as` caps the address space so
 * that memory outside the V8 heap is bounded too. Each step is probed by running it; what the platform refuses
 * (Docker's default seccomp profile forbids unshare) is left out with a warning.
 */
export function chooseHostLaunch (opts: { isolateNetwork: boolean, memoryMb: number }): HostLaunch {
  const warnings: string[] = []
  const root = process.getuid?.() === 0
  let network: string[] = []
  if (!opts.isolateNetwork) {
    warnings.push('SANDBOX_NETWORK_ISOLATION=false: functions that escape the realm can open network connections')
  } else if (!executable(UNSHARE)) {
    warnings.push(`${UNSHARE} is not available: sandbox hosts share the network namespace of the service`)
  } else {
    const args = root
      ? [UNSHARE, '--net', '--setgid', String(NOBODY), '--setuid', String(NOBODY), '--']
      : [UNSHARE, '--user', '--map-root-user', '--net', '--']
    if (works([...args, process.execPath])) network = args
    else warnings.push('this platform does not allow a network namespace (root, CAP_SYS_ADMIN or unprivileged user namespaces): sandbox hosts share the network of the service')
  }
  let limit: string[] = []
  const prlimit = [PRLIMIT, `--as=${addressSpaceBytes(opts.memoryMb)}`, '--']
  if (executable(PRLIMIT) && works([...network, ...prlimit, process.execPath])) limit = prlimit
  else warnings.push(`${PRLIMIT} is not available: memory outside the V8 heap (ArrayBuffers) is not capped`)
  const command = [...network, ...limit]
  return {
    ...(command.length > 0 ? { execPath: command[0] } : {}),
    prefixArgs: command.length > 0 ? [...command.slice(1), process.execPath] : [],
    isolation: { network: network.length > 0, uid: network.length > 0 && root ? NOBODY : null, addressSpace: limit.length > 0 },
    warnings
  }
}
