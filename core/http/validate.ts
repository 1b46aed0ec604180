import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { Config } from '../../config/schema.js'
import { createError } from '../errors.js'

/** Project ids and function names (docs/API.md, Conventions). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** A relative path inside the project: segments without `..`, ending in a JavaScript or TypeScript extension. */
const FILE_PATH_PATTERN = '^(?!/)(?!.*(^|/)\\.\\.?(/|$))[A-Za-z0-9_\\-.\\[\\]/]{1,255}\\.(js|mjs|cjs|ts)$'

export function checkProjectId (value: string | undefined): string {
  if (value === undefined || !NAME_PATTERN.test(value)) throw createError('FN_ERR_INVALID_PROJECT_ID')
  return value
}

export function checkFunctionName (value: string | undefined): string {
  if (value === undefined || !NAME_PATTERN.test(value)) throw createError('FN_ERR_INVALID_FUNCTION_NAME')
  return value
}

export interface DeployBody {
  function_name?: string
  code: string
  file_path?: string
  runtime?: string
  timeout_ms?: number
  is_active?: boolean
  /** The function's own variables, replacing the ones it had. */
  env?: Record<string, string>
  /** The function's own secrets (write-only, sealed at rest), replacing the ones it had. */
  secrets?: Record<string, string>
}

export interface EnvPutBody {
  value: string
  secret?: boolean
}

export interface ManagePatchBody {
  code?: string
  file_path?: string
  timeout_ms?: number
  is_active?: boolean
}

export interface ActivePatchBody {
  is_active: boolean
}

export interface BodyValidators {
  create: (body: unknown) => DeployBody
  put: (body: unknown) => DeployBody
  managePatch: (body: unknown) => ManagePatchBody
  activePatch: (body: unknown) => ActivePatchBody
  envPut: (body: unknown) => EnvPutBody
}

function describe (errors: ErrorObject[]): string {
  return errors.map((e) => {
    const where = e.instancePath === '' ? 'body' : e.instancePath.slice(1)
    if (e.keyword === 'additionalProperties') return `${where}: unknown field "${String(e.params.additionalProperty)}"`
    return `${where}: ${e.message ?? 'is invalid'}`
  }).join('; ')
}

/** Request-body validators, compiled once per configuration (the timeout maximum comes from FUNCTION_TIMEOUT_MS). */
export function createBodyValidators (config: Config): BodyValidators {
  const ajv = new Ajv({ allErrors: true, strict: true })
  const fields = {
    code: { type: 'string', minLength: 1 },
    file_path: { type: 'string', pattern: FILE_PATH_PATTERN },
    runtime: { type: 'string', pattern: '^[a-z]+[0-9]*$', maxLength: 32 },
    timeout_ms: { type: 'integer', minimum: 1, maximum: config.functionTimeoutMs },
    is_active: { type: 'boolean' },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    secrets: { type: 'object', additionalProperties: { type: 'string' } }
  }
  const functionName = { type: 'string', pattern: NAME_PATTERN.source }
  const compile = <T>(schema: object): (body: unknown) => T => {
    const validate: ValidateFunction = ajv.compile(schema)
    return (body) => {
      if (validate(body)) return body as T
      const details = validate.errors ?? []
      throw createError('FN_ERR_INVALID_REQUEST', { message: describe(details), body: { details } })
    }
  }
  return {
    create: compile<DeployBody>({
      type: 'object',
      properties: { function_name: functionName, ...fields },
      required: ['function_name', 'code'],
      additionalProperties: false
    }),
    put: compile<DeployBody>({
      type: 'object',
      properties: { function_name: functionName, ...fields },
      required: ['code'],
      additionalProperties: false
    }),
    managePatch: compile<ManagePatchBody>({
      type: 'object',
      properties: { code: fields.code, file_path: fields.file_path, timeout_ms: fields.timeout_ms, is_active: fields.is_active },
      minProperties: 1,
      additionalProperties: false
    }),
    envPut: compile<EnvPutBody>({
      type: 'object',
      properties: { value: { type: 'string' }, secret: { type: 'boolean' } },
      required: ['value'],
      additionalProperties: false
    }),
    activePatch: compile<ActivePatchBody>({
      type: 'object',
      properties: { is_active: fields.is_active },
      required: ['is_active'],
      additionalProperties: false
    })
  }
}
