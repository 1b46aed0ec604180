import t, { type Test } from 'tap'
import { MAX_MESSAGE_BYTES } from '../../core/bounded-text.js'
import { startService } from '../helpers/service.js'

// The default 128 MB heap holds a 16 MiB string and its copies on the way out of the realm.
const svc = await startService()
t.teardown(() => svc.stop())

const P = 'proj-bound'
const MIB16 = 16 * 1024 * 1024
await svc.deploy(P, 'throws-string', `export const handler = async () => { throw 'x'.repeat(${MIB16}) }`)
await svc.deploy(P, 'throws-error', `export const handler = async () => { throw new Error('y'.repeat(${MIB16})) }`)
await svc.deploy(P, 'throws-name', `export const handler = async () => { const e = new Error('short'); e.name = 'N'.repeat(${MIB16}); throw e }`)
// 'a' then 4-byte characters: the bound falls inside one of them.
await svc.deploy(P, 'throws-multibyte', `export const handler = async () => { throw 'a' + '😀'.repeat(${MAX_MESSAGE_BYTES}) }`)
// 1 MiB: a result stays under MAX_RESULT_BYTES (6 MiB), or it would fail that check first.
await svc.deploy(P, 'bad-header', `export const handler = async () => ({ statusCode: 200, headers: { ['x'.repeat(${1024 * 1024}) + ' ']: 'v' } })`, { file_path: 'api/bad-header.js' })

const MARK = /^(.*) … \[truncated, (\d+) bytes\]$/s
/** Every service log line written so far stays near the bound (a line also carries its own fields). */
const LOG_LINE_MAX = MAX_MESSAGE_BYTES + 2048

function checkLogs (t: Test): void {
  const longest = svc.logs.reduce((n, l) => Math.max(n, Buffer.byteLength(l)), 0)
  t.ok(longest <= LOG_LINE_MAX, `the longest service log line is ${longest} bytes`)
  t.ok(svc.logs.some((l) => l.includes('Function failed') && l.includes('[truncated, ')), 'the failure is logged, cut')
}

for (const [name, prefix, total] of [['throws-string', 'x', MIB16], ['throws-error', 'Error: y', MIB16 + 7], ['throws-name', 'N', MIB16 + 7]] as const) {
  t.test(`${name}: a huge message is cut to the bound in the answer and the log`, async t => {
    const res = await svc.call('POST', `/api/v1/functions/${P}/${name}`, {})
    t.equal(res.status, 500)
    t.equal(res.json.error, 'Function execution failed')
    t.ok(Buffer.byteLength(res.text) < 8192, `the answer is ${Buffer.byteLength(res.text)} bytes`)
    const m = MARK.exec(res.json.message)
    t.ok(m !== null, 'the message is marked as cut')
    t.ok(m?.[1]?.startsWith(prefix), 'and keeps its head')
    t.equal(Buffer.byteLength(m?.[1] ?? ''), MAX_MESSAGE_BYTES)
    t.equal(Number(m?.[2]), total, 'the mark gives the full length')
    checkLogs(t)
  })
}

t.test('a cut inside a multi-byte character drops the character whole', async t => {
  const res = await svc.call('POST', `/api/v1/functions/${P}/throws-multibyte`, {})
  t.equal(res.status, 500)
  const m = MARK.exec(res.json.message)
  const head = m?.[1] ?? ''
  t.equal(head, 'a' + '😀'.repeat((MAX_MESSAGE_BYTES - 4) / 4), 'the head ends on the last whole character')
  t.notOk(head.includes('\ufffd'))
  t.equal(Number(m?.[2]), 1 + 4 * MAX_MESSAGE_BYTES)
})

t.test('a site function\'s invalid header name is cut in the error that names it', async t => {
  const res = await svc.call('GET', `/sites/${P}/api/bad-header`)
  t.equal(res.status, 500)
  t.equal(res.json.error, 'Function execution failed')
  t.ok(Buffer.byteLength(res.text) < 8192, `the answer is ${Buffer.byteLength(res.text)} bytes`)
  t.match(res.json.message, /^Invalid HTTP response: "x+ … \[truncated, 1048577 bytes\]" is not a valid header name$/)
  checkLogs(t)
})

t.test('the service still answers after the huge failures', async t => {
  await svc.deploy(P, 'ok', 'export const handler = async () => 1')
  const res = await svc.invoke(P, 'ok', {})
  t.equal(res.status, 200)
})
