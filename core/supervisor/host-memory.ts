import { readFile } from 'node:fs/promises'
import os from 'node:os'

/**
 * What a sandbox host costs the machine, and what the machine has to give. Linux only (/proc, cgroups); elsewhere
 * the measurements are undefined and the supervisor keeps its initial estimate.
 */

/**
 * Bytes a process costs: its proportional set size (each shared page divided among the processes sharing it, so
 * the Node binary's pages are not counted once per host), else its resident set. Undefined when it is gone.
 */
export async function processMemoryBytes (pid: number): Promise<number | undefined> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '')
  const pss = /^Pss:\s+(\d+) kB/m.exec(rollup)
  if (pss !== null) return Number(pss[1]) * 1024
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status)
  return rss === null ? undefined : Number(rss[1]) * 1024
}

/** The memory this service may use: its cgroup's limit where one is set (a container), else physical memory. */
export async function machineMemoryBytes (): Promise<number> {
  const physical = os.totalmem()
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    const text = (await readFile(file, 'utf8').catch(() => '')).trim()
    // cgroup v2 says "max" when unlimited; v1 a number near 2^63.
    if (/^\d+$/.test(text) && Number(text) < physical) return Number(text)
  }
  return physical
}
