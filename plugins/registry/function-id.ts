import { randomBytes } from 'node:crypto'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** `fn_` + a ULID: 48 bits of milliseconds then 80 random bits, 26 Crockford base32 characters, sortable by time. */
export function newFunctionId (now = Date.now()): string {
  let time = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time
    t = Math.floor(t / 32)
  }
  const bytes = randomBytes(16)
  let random = ''
  for (let i = 0; i < 16; i++) random += CROCKFORD[(bytes[i] as number) % 32]
  return `fn_${time}${random}`
}
