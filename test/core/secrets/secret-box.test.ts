import { randomBytes } from 'node:crypto'
import t from 'tap'
import { SecretBox, parseKey } from '../../../core/secrets/secret-box.js'

const id = { projectId: 'p', functionName: 'f', name: 'API_KEY' }
const keyA = randomBytes(32)
const keyB = randomBytes(32)

t.test('sealed values open under their key and identity only', async t => {
  const box = new SecretBox(keyA)
  const sealed = box.seal('sk_live_123', id)
  t.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
  t.notOk(sealed.includes('sk_live_123'))
  t.not(box.seal('sk_live_123', id), sealed, 'a fresh nonce each time')
  t.equal(box.open(sealed, id), 'sk_live_123')
  t.throws(() => new SecretBox(keyB).open(sealed, id), { code: 'FN_ERR_SECRET_UNREADABLE' }, 'a wrong key')
  for (const moved of [{ ...id, name: 'OTHER' }, { ...id, functionName: '' }, { ...id, projectId: 'q' }]) {
    t.throws(() => box.open(sealed, moved), { code: 'FN_ERR_SECRET_UNREADABLE' }, `moved to ${JSON.stringify(moved)}`)
  }
  const [v, nonce, body] = sealed.split('.') as [string, string, string]
  const flipped = `${v}.${nonce}.${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}`
  t.throws(() => box.open(flipped, id), { code: 'FN_ERR_SECRET_UNREADABLE' }, 'a changed byte')
  t.throws(() => box.open('not sealed', id), { code: 'FN_ERR_SECRET_UNREADABLE' })
  t.equal(box.open(box.seal('', id), id), '', 'an empty value')
  t.equal(box.open(box.seal('é✓😀', id), id), 'é✓😀')
})

t.test('rotation: the previous key still opens, and says it is not current', async t => {
  const old = new SecretBox(keyA)
  const sealed = old.seal('v', id)
  const rotated = new SecretBox(keyB, keyA)
  t.equal(rotated.open(sealed, id), 'v')
  t.equal(rotated.isCurrent(sealed, id), false)
  t.equal(rotated.isCurrent(rotated.seal('v', id), id), true)
  t.throws(() => new SecretBox(keyB).open(sealed, id), { code: 'FN_ERR_SECRET_UNREADABLE' }, 'without the previous key it does not open')
})

t.test('keys are 32 bytes of base64', async t => {
  t.equal(parseKey(keyA.toString('base64'))?.equals(keyA), true)
  t.equal(parseKey('c2hvcnQ='), undefined)
  t.equal(parseKey(undefined), undefined)
  t.throws(() => new SecretBox(randomBytes(16)))
})
