import { readFileSync } from 'node:fs'
import t from 'tap'
import { CONTRACT_CODES, ERRORS, createError, errorBody } from '../../core/errors.js'

// From dist/test/core/ (where tsc puts this test) up to the repository root.
const apiMd = readFileSync(new URL('../../../docs/API.md', import.meta.url), 'utf8')

t.test('every catalogue key equals its code', async t => {
  for (const [key, spec] of Object.entries(ERRORS)) t.equal(spec.code, key)
})

t.test('every client-facing sentence is written in docs/API.md', async t => {
  for (const code of CONTRACT_CODES) {
    t.ok(apiMd.includes(`"${ERRORS[code].sentence}"`), `${code}: "${ERRORS[code].sentence}" in docs/API.md`)
  }
})

t.test('error bodies carry the sentence, the detail and extras, never a stack', async t => {
  const e = createError('FN_ERR_INVALID_CODE', { message: 'SyntaxError: Unexpected token (3:7)' })
  t.same(errorBody(e), { statusCode: 400, body: { error: 'Invalid function code', message: 'SyntaxError: Unexpected token (3:7)' } })
  t.same(errorBody(createError('FN_ERR_OVERLOADED', { headers: { 'Retry-After': '1' } })),
    { statusCode: 503, body: { error: 'Service overloaded' }, headers: { 'Retry-After': '1' } })
  t.same(errorBody(new Error('secret path /etc/x')), { statusCode: 500, body: { error: 'Internal error' } })
  t.same(errorBody(createError('FN_ERR_CONFIG_INVALID', { message: 'x' })), { statusCode: 500, body: { error: 'Internal error' } })
})
