import { PassThrough } from 'node:stream'
import t from 'tap'
import { toSiteResponse } from '../../../core/sites/http-response.js'

const respond = (value: unknown): ReturnType<typeof toSiteResponse> => toSiteResponse(JSON.stringify(value))
const headersOf = (value: unknown): Record<string, string[]> => Object.fromEntries(respond(value)?.headers ?? [])

t.test('results without a numeric statusCode are not responses', async t => {
  for (const value of [{ a: 1 }, [1, 2], 'text', 42, null, { statusCode: '200', body: 'x' }, { nested: { statusCode: 200 } }]) {
    t.equal(respond(value), null, JSON.stringify(value))
  }
})

t.test('a response: status, headers, body and a default content type', async t => {
  const r = respond({ statusCode: 201, headers: { 'X-One': 'a', 'X-Num': 5, 'X-Bool': true }, body: '{"ok":true}' })
  t.equal(r?.statusCode, 201)
  t.same(Object.fromEntries(r?.headers ?? []), { 'x-one': ['a'], 'x-num': ['5'], 'x-bool': ['true'], 'content-type': ['application/json'] })
  t.equal(r?.body.toString(), '{"ok":true}')
  t.same(headersOf({ statusCode: 200, headers: { 'Content-Type': 'text/html' }, body: '<p>' })['content-type'], ['text/html'])
  t.same(headersOf({ statusCode: 200 }), {}, 'no body, no content type')
  t.equal(respond({ statusCode: 200, body: null })?.body.length, 0, 'a null body is an empty one')
})

t.test('multiValueHeaders win for their names; cookies become Set-Cookie lines', async t => {
  const h = headersOf({
    statusCode: 200,
    headers: { 'x-a': 'single', 'x-b': 'b', 'Set-Cookie': 'h=1' },
    multiValueHeaders: { 'X-A': ['m1', 'm2'] },
    cookies: ['c1=1; Path=/', 'c2=2; HttpOnly']
  })
  t.same(h['x-a'], ['m1', 'm2'])
  t.same(h['x-b'], ['b'])
  t.same(h['set-cookie'], ['h=1', 'c1=1; Path=/', 'c2=2; HttpOnly'])
})

t.test('base64 bodies are decoded byte for byte', async t => {
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255])
  const r = respond({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true })
  t.same(r?.body, bytes)
  t.same(r?.headers.get('content-type'), ['application/octet-stream'])
})

t.test('headers the service owns are dropped; bodiless statuses carry no body', async t => {
  const h = headersOf({ statusCode: 200, headers: { 'Content-Length': '999', 'Transfer-Encoding': 'chunked', Connection: 'close', 'X-Request-Id': 'forged', 'x-kept': '1' }, body: 'x' })
  t.same(Object.keys(h).sort(), ['content-type', 'x-kept'])
  t.equal(respond({ statusCode: 204, body: 'ignored' })?.body.length, 0)
  t.equal(respond({ statusCode: 304, body: 'ignored' })?.body.length, 0)
})

t.test('invalid shapes are FN_ERR_RESULT_INVALID naming what is wrong', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ statusCode: 99 }, /statusCode must be an integer from 200 to 599, not 99/],
    [{ statusCode: 600 }, /not 600/],
    [{ statusCode: 101 }, /not 101/],
    [{ statusCode: 200.5 }, /not 200.5/],
    [{ statusCode: 200, body: { a: 1 } }, /body must be a string/],
    [{ statusCode: 200, body: 5 }, /body must be a string/],
    [{ statusCode: 200, isBase64Encoded: 'yes' }, /isBase64Encoded must be a boolean/],
    [{ statusCode: 200, isBase64Encoded: true, body: 'not base64!' }, /not valid base64/],
    [{ statusCode: 200, headers: 'x' }, /headers must be an object/],
    [{ statusCode: 200, headers: ['x'] }, /headers must be an object/],
    [{ statusCode: 200, headers: { 'x-a': 'ok\r\nSet-Cookie: evil=1' } }, /"x-a" contains a control character/],
    [{ statusCode: 200, headers: { 'x-a': 'line\nbreak' } }, /control character/],
    [{ statusCode: 200, headers: { 'x-a': 'nul\u0000' } }, /control character/],
    [{ statusCode: 200, headers: { 'x-a': 'snow\u2603' } }, /above U\+00FF/],
    [{ statusCode: 200, headers: { 'Bad Name': 'x' } }, /"Bad Name" is not a valid header name/],
    [{ statusCode: 200, headers: { 'x-a\r\nInjected': 'x' } }, /is not a valid header name/],
    [{ statusCode: 200, headers: { '': 'x' } }, /is not a valid header name/],
    [{ statusCode: 200, headers: { 'x-a': { nested: 1 } } }, /must be a string, number or boolean/],
    [{ statusCode: 200, headers: { 'x-a': null } }, /must be a string, number or boolean/],
    [{ statusCode: 200, multiValueHeaders: { 'x-a': 'not-array' } }, /must be an array/],
    [{ statusCode: 200, multiValueHeaders: { 'x-a': ['ok', 'bad\r\n'] } }, /control character/],
    [{ statusCode: 200, cookies: 'a=1' }, /cookies must be an array of strings/],
    [{ statusCode: 200, cookies: [1] }, /cookies must be an array of strings/],
    [{ statusCode: 200, cookies: ['a=1\r\nX: y'] }, /control character/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => respond(value), { code: 'FN_ERR_RESULT_INVALID', detail: message }, JSON.stringify(value))
  }
})

t.test('every valid header set can be written by Node without throwing', async t => {
  // The validation mirrors Node's own header checks: what passes must not make setHeader throw mid-response.
  const { ServerResponse, IncomingMessage } = await import('node:http')
  const r = respond({ statusCode: 200, headers: { 'x-latin1': 'caf\u00e9', 'x-tab': 'a\tb', "x-tok!#$%&'*+.^_`|~": 'v' }, body: 'x' })
  const res = new ServerResponse(new IncomingMessage(new PassThrough() as never))
  for (const [name, values] of r?.headers ?? []) t.doesNotThrow(() => { res.setHeader(name, values) }, name)
})
