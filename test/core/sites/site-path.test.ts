import t from 'tap'
import { decodeSegments, rawSegments } from '../../../core/sites/site-path.js'

t.test('raw paths split into segments; one trailing slash is ignored', async t => {
  t.same(rawSegments(''), [])
  t.same(rawSegments('/'), [])
  t.same(rawSegments('/api/hello'), ['api', 'hello'])
  t.same(rawSegments('/api/hello/'), ['api', 'hello'])
  t.same(rawSegments('/api//hello'), ['api', '', 'hello'])
})

t.test('segments are percent-decoded', async t => {
  t.same(decodeSegments(['api', 'users', 'J%C3%BCrgen', 'a%20b', '%E2%9C%93']), ['api', 'users', 'Jürgen', 'a b', '✓'])
})

t.test('dot segments, encoded separators, empty segments and bad encodings name nothing', async t => {
  for (const raw of [['api', '..', 'x'], ['.', 'api'], ['api', '%2e%2e'], ['api', '%2E'], ['a%2Fb'], ['a%2fb'], ['a%5Cb'],
    ['a\\b'], ['a%00'], ['api', '', 'x'], ['%E0%A4%A'], ['%zz']]) {
    t.equal(decodeSegments(raw), null, raw.join('/'))
  }
  t.same(decodeSegments(['...']), ['...'], 'three dots are a name')
})
