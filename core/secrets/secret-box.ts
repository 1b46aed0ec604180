import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createError } from '../errors.js'

/**
 * Secret variables at rest: AES-256-GCM under SECRETS_KEY, a random 96-bit nonce per value, and the variable's
 * identity (project, function, name) as additional data, so a ciphertext copied into another variable's row does
 * not decrypt there. Stored as `v1.<nonce>.<ciphertext and tag>` (base64url). SECRETS_KEY_PREVIOUS is tried when
 * SECRETS_KEY fails, so values written before a rotation still open until `npm run rotate-secrets` rewrites them.
 */
const VERSION = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface SecretIdentity {
  projectId: string
  /** '' for a project's variable. */
  functionName: string
  name: string
}

/** The additional data: NUL cannot occur in ids or names, so no two identities share it. */
function aad (id: SecretIdentity): Buffer {
  return Buffer.from(`functions-secret\0${id.projectId}\0${id.functionName}\0${id.name}`, 'utf8')
}

export class SecretBox {
  readonly #current: Buffer
  readonly #previous: Buffer | undefined

  constructor (current: Buffer, previous?: Buffer) {
    if (current.length !== 32 || (previous !== undefined && previous.length !== 32)) throw new Error('AES-256 keys are 32 bytes')
    this.#current = current
    this.#previous = previous
  }

  seal (plaintext: string, id: SecretIdentity): string {
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#current, nonce)
    cipher.setAAD(aad(id))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`
  }

  /** The value, or FN_ERR_SECRET_UNREADABLE when neither key opens it for this identity. */
  open (sealed: string, id: SecretIdentity): string {
    for (const key of this.#previous === undefined ? [this.#current] : [this.#current, this.#previous]) {
      const value = openWith(key, sealed, id)
      if (value !== undefined) return value
    }
    throw createError('FN_ERR_SECRET_UNREADABLE', { message: `secret ${id.name} does not decrypt under SECRETS_KEY or SECRETS_KEY_PREVIOUS` })
  }

  /** True when the value is sealed under the current key (rotation leaves those alone). */
  isCurrent (sealed: string, id: SecretIdentity): boolean {
    return openWith(this.#current, sealed, id) !== undefined
  }
}

function openWith (key: Buffer, sealed: string, id: SecretIdentity): string | undefined {
  const [version, nonceText, bodyText] = sealed.split('.')
  if (version !== VERSION || nonceText === undefined || bodyText === undefined) return undefined
  const nonce = Buffer.from(nonceText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAAD(aad(id))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

/** Bytes of the value a sealed form holds, without opening it: GCM's ciphertext is as long as the plaintext. */
export function sealedValueBytes (sealed: string): number {
  const body = sealed.split('.')[2] ?? ''
  return Math.max(0, Buffer.from(body, 'base64url').length - TAG_BYTES)
}

/** A key as configured: base64 of exactly 32 bytes, else undefined. */
export function parseKey (text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined
  const key = Buffer.from(text, 'base64')
  return key.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(text) ? key : undefined
}
