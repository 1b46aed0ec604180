import type { EnvRecord, EnvScope, EnvStore } from '../types.js'

/** GET of the upstream's management API: the response on 200, null on 404 (remote-api.ts). */
type UpstreamGet = (path: string) => Promise<Response | null>

const path = (scope: EnvScope): string => scope.functionName === undefined
  ? `/api/projects/${scope.projectId}/env`
  : `/api/functions/${scope.projectId}/${scope.functionName}/env`

/** An execution node's variables: read from the upstream's management API; writes are refused like every write. */
export class RemoteEnvStore implements EnvStore {
  readonly #get: UpstreamGet
  readonly #refuse: () => never

  constructor (get: UpstreamGet, refuse: () => never) {
    this.#get = get
    this.#refuse = refuse
  }

  async list (scope: EnvScope): Promise<EnvRecord[]> {
    const res = await this.#get(path(scope))
    return res === null ? [] : ((await res.json()) as { env: EnvRecord[] }).env
  }

  async put (): Promise<never> { this.#refuse() }
  async remove (): Promise<never> { this.#refuse() }
  async replace (): Promise<never> { this.#refuse() }

  async resolved (projectId: string, functionName: string): Promise<Record<string, string>> {
    const [project, own] = await Promise.all([this.list({ projectId }), this.list({ projectId, functionName })])
    const env: Record<string, string> = {}
    for (const r of [...project, ...own]) env[r.name] = r.value
    return env
  }
}
