import t from 'tap'
import { MAX_MESSAGE_BYTES, boundText } from '../../core/bounded-text.js'

const MARK = /^(.*) … \[truncated, (\d+) bytes\]$/s

function cut (text: string, maxBytes?: number): { head: string, total: number } {
  const m = MARK.exec(boundText(text, maxBytes))
  if (m === null) throw new Error('not marked as cut')
  return { head: m[1] as string, total: Number(m[2]) }
}

t.test('text that fits is returned as it is, up to the byte exactly', async t => {
  t.equal(boundText(''), '')
  t.equal(boundText('short'), 'short')
  const exact = 'x'.repeat(MAX_MESSAGE_BYTES)
  t.equal(boundText(exact), exact)
  const exactMulti = '€'.repeat(10) + 'x'.repeat(MAX_MESSAGE_BYTES - 30)
  t.equal(Buffer.byteLength(exactMulti), MAX_MESSAGE_BYTES)
  t.equal(boundText(exactMulti), exactMulti)
})

t.test('longer text keeps its head up to the bound and says how long it was', async t => {
  const { head, total } = cut('x'.repeat(MAX_MESSAGE_BYTES + 1))
  t.equal(head, 'x'.repeat(MAX_MESSAGE_BYTES))
  t.equal(total, MAX_MESSAGE_BYTES + 1)
  const big = cut('y'.repeat(16 * 1024 * 1024))
  t.equal(big.head.length, MAX_MESSAGE_BYTES)
  t.equal(big.total, 16 * 1024 * 1024)
  t.ok(Buffer.byteLength(boundText('y'.repeat(16 * 1024 * 1024))) <= MAX_MESSAGE_BYTES + 40, 'the marker adds little')
})

t.test('a multi-byte character across the bound is dropped whole, never split', async t => {
  // Every offset of the cut inside a 2-, 3- and 4-byte character (é, €, 😀, the last a surrogate pair).
  for (const ch of ['é', '€', '😀']) {
    const width = Buffer.byteLength(ch)
    for (let pad = 0; pad < width; pad++) {
      const text = 'a'.repeat(10 + pad) + ch.repeat(10)
      for (let max = 11; max < Buffer.byteLength(text); max++) {
        const { head, total } = cut(text, max)
        t.equal(total, Buffer.byteLength(text))
        t.notOk(head.includes('\ufffd'), `no replacement character (${ch}, max ${max})`)
        t.ok(text.startsWith(head), 'a head of the text')
        const bytes = Buffer.byteLength(head)
        t.ok(bytes <= max && bytes > max - width, `${bytes} bytes for a bound of ${max}`)
      }
    }
  }
})

t.test('a text already cut is not cut again', async t => {
  const once = boundText('z'.repeat(100_000))
  t.equal(boundText(once), once)
  const small = boundText('€'.repeat(100), 50)
  t.equal(boundText(small, 50), small)
})
