import t from 'tap'
import { buildHttpEvent, encodeBody, parseQuery, type SiteRequest } from '../../../core/sites/http-event.js'

t.test('repeated query keys: the last value, and every value in order', async t => {
  const { single, multi } = parseQuery('a=1&b=x%20y&a=2&c=&d+e=f+g&a=3')
  t.same({ ...single }, { a: '3', b: 'x y', c: '', 'd e': 'f g' })
  t.same({ ...multi }, { a: ['1', '2', '3'], b: ['x y'], c: [''], 'd e': ['f g'] })
  t.same({ ...parseQuery('').single }, {})
  t.equal(JSON.stringify(parseQuery('__proto__=1').single), '{"__proto__":"1"}', 'a key called __proto__ is kept')
})

t.test('bodies: text when declared textual (or undeclared) and valid UTF-8, base64 otherwise', async t => {
  t.same(encodeBody(Buffer.alloc(0), 'application/octet-stream'), { body: '', isBase64Encoded: false })
  t.same(encodeBody(Buffer.from('{"a":"ü"}'), 'application/json; charset=utf-8'), { body: '{"a":"ü"}', isBase64Encoded: false })
  t.same(encodeBody(Buffer.from('plain'), undefined), { body: 'plain', isBase64Encoded: false })
  t.same(encodeBody(Buffer.from('a=1'), 'application/x-www-form-urlencoded'), { body: 'a=1', isBase64Encoded: false })
  t.same(encodeBody(Buffer.from('<a/>'), 'application/atom+xml'), { body: '<a/>', isBase64Encoded: false })
  t.same(encodeBody(Buffer.from('text'), 'application/octet-stream'), { body: 'dGV4dA==', isBase64Encoded: true })
  t.same(encodeBody(Buffer.from([0xff, 0xfe, 0x00]), 'text/plain'), { body: '//4A', isBase64Encoded: true }, 'invalid UTF-8 is never mangled')
  t.same(encodeBody(Buffer.from([0x89, 0x50]), 'image/png'), { body: 'iVA=', isBase64Encoded: true })
})

const request = (extra: Partial<SiteRequest> = {}): SiteRequest => ({
  method: 'POST',
  path: '/api/users/42',
  query: 'x=1&x=2',
  headers: { host: 'h', 'content-type': 'text/plain', authorization: 'Bearer secret', 'set-cookie': ['a=1', 'b=2'], accept: 'a, b' },
  headersDistinct: { host: ['h'], 'content-type': ['text/plain'], authorization: ['Bearer secret'], 'set-cookie': ['a=1', 'b=2'], accept: ['a', 'b'] },
  body: Buffer.from('hi'),
  route: '/api/users/[id]',
  pathParameters: { id: '42' },
  requestId: 'req-1',
  sourceIp: '127.0.0.1',
  hideAuthorization: false,
  now: new Date('2024-11-17T10:00:00.000Z'),
  ...extra
})

t.test('the event has the API Gateway proxy shape', async t => {
  const event = JSON.parse(buildHttpEvent(request()))
  t.same(event, {
    httpMethod: 'POST',
    path: '/api/users/42',
    resource: '/api/users/[id]',
    headers: { host: 'h', 'content-type': 'text/plain', authorization: 'Bearer secret', 'set-cookie': 'a=1, b=2', accept: 'a, b' },
    multiValueHeaders: { host: ['h'], 'content-type': ['text/plain'], authorization: ['Bearer secret'], 'set-cookie': ['a=1', 'b=2'], accept: ['a', 'b'] },
    queryStringParameters: { x: '2' },
    multiValueQueryStringParameters: { x: ['1', '2'] },
    pathParameters: { id: '42' },
    body: 'hi',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      requestTime: '2024-11-17T10:00:00.000Z',
      requestTimeEpoch: Date.parse('2024-11-17T10:00:00.000Z'),
      httpMethod: 'POST',
      path: '/api/users/42',
      identity: { sourceIp: '127.0.0.1' }
    }
  })
})

t.test('the service\'s token never reaches the function when it guards the route', async t => {
  const event = JSON.parse(buildHttpEvent(request({ hideAuthorization: true })))
  t.equal(event.headers.authorization, undefined)
  t.equal(event.multiValueHeaders.authorization, undefined)
  t.equal(event.headers.host, 'h')
})
