import type { EnvScope, EnvStore, ResolvedVariables, StoredVariable } from '../types.js'
import { resolveVariables } from './resolve-variables.js'

/** GET of the upstream's management API: the response on 200, null on 404 (remote-api.ts). */
type UpstreamGet = (path: string) => Promise<Response | null>

const path = (scope: EnvScope): string => scope.functionName === undefined
  ? `/api/projects/${scope.projectId}/env`
  : `/api/functions/${scope.projectId}/${scope.functionName}/env`

/**
 * An execution node's variables: read from the upstream's management API, secrets only in their sealed form
 * (`?sealed=true`, admin only), which this node opens with its own SECRETS_KEY when a host needs them. Writes are
 * refused like every write.
 */
export class RemoteEnvStore implements EnvStore {
  readonly #get: UpstreamGet
  readonly #refuse: () => never

  constructor (get: UpstreamGet, refuse: () => never) {
    this.#get = get
    this.#refuse = refuse
  }

  async list (scope: EnvScope): Promise<StoredVariable[]> {
    const res = await this.#get(`${path(scope)}?sealed=true`)
    if (res === null) return []
    const env = ((await res.json()) as { env: Array<StoredVariable & { sealed?: string }> }).env
    return env.map((r) => ({ name: r.name, secret: r.secret, value: (r.secret ? r.sealed : r.value) ?? '', created_at: r.created_at, updated_at: r.updated_at }))
  }

  async put (): Promise<never> { this.#refuse() }
  async remove (): Promise<never> { this.#refuse() }
  async replace (): Promise<never> { this.#refuse() }
  async reseal (): Promise<never> { this.#refuse() }
  /** Rotation runs where the database is, not on an execution node. */
  async secrets (): Promise<never> { this.#refuse() }

  async resolved (projectId: string, functionName: string): Promise<ResolvedVariables> {
    const [project, own] = await Promise.all([this.list({ projectId }), this.list({ projectId, functionName })])
    return resolveVariables([...project.map((v) => ({ ...v, level: '' })), ...own.map((v) => ({ ...v, level: functionName }))])
  }
}
