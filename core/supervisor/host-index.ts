import type { SandboxHandle } from './sandbox-handle.js'

/**
 * The supervisor's hosts, indexed by the project each is bound to, so that finding a project's idle host costs the
 * few hosts of that project, not a scan of every host kept (hundreds, with many projects warm). Membership changes
 * at three points only: a host is added unbound, bound by its first invocation, and deleted when it has exited.
 */
export class HostIndex {
  readonly #all = new Set<SandboxHandle>()
  readonly #unbound = new Set<SandboxHandle>()
  readonly #byProject = new Map<string, Set<SandboxHandle>>()

  get size (): number { return this.#all.size }

  [Symbol.iterator] (): IterableIterator<SandboxHandle> { return this.#all.values() }

  add (host: SandboxHandle): void {
    this.#all.add(host)
    if (host.projectId === null) this.#unbound.add(host)
    else this.#bucket(host.projectId).add(host)
  }

  /** After a host's first invocation set its project. */
  bound (host: SandboxHandle): void {
    if (host.projectId === null || !this.#unbound.delete(host)) return
    this.#bucket(host.projectId).add(host)
  }

  delete (host: SandboxHandle): void {
    this.#all.delete(host)
    this.#unbound.delete(host)
    if (host.projectId === null) return
    const hosts = this.#byProject.get(host.projectId)
    hosts?.delete(host)
    if (hosts?.size === 0) this.#byProject.delete(host.projectId)
  }

  clear (): void {
    this.#all.clear()
    this.#unbound.clear()
    this.#byProject.clear()
  }

  /** An idle host bound to the project, else an idle unbound spare (which the run binds). */
  idleFor (projectId: string): SandboxHandle | undefined {
    for (const h of this.#byProject.get(projectId) ?? []) if (h.available) return h
    for (const h of this.#unbound) if (h.available) return h
    return undefined
  }

  /** Unbound hosts starting or idle, not retiring: the spares there are or soon will be. */
  spares (): number {
    let n = 0
    for (const h of this.#unbound) if ((h.state === 'starting' || h.state === 'idle') && !h.retiring) n++
    return n
  }

  /**
   * The idle bound host to retire for room: the least recently used of a project that keeps several (so that as many
   * projects as possible stay warm), else the least recently used of all; never one whose project has work waiting.
   */
  leastRecentlyUsed (waitingProjects: ReadonlySet<string>): SandboxHandle | undefined {
    let victim: SandboxHandle | undefined
    let victimShared = false
    for (const [projectId, hosts] of this.#byProject) {
      if (waitingProjects.has(projectId)) continue
      const shared = hosts.size > 1
      for (const h of hosts) {
        if (!h.available) continue
        if (victim === undefined || (shared && !victimShared) || (shared === victimShared && h.lastUsed < victim.lastUsed)) {
          victim = h
          victimShared = shared
        }
      }
    }
    return victim
  }

  #bucket (projectId: string): Set<SandboxHandle> {
    let hosts = this.#byProject.get(projectId)
    if (hosts === undefined) {
      hosts = new Set()
      this.#byProject.set(projectId, hosts)
    }
    return hosts
  }
}
