import t from 'tap'
import { RESTART_POLICY, RestartPolicy } from '../../../core/supervisor/restart-policy.js'

t.test('backoff grows ×1.5 from 100 ms, capped at 15 s, and resets on success', async t => {
  const p = new RestartPolicy()
  t.equal(p.delayMs(), 0)
  const delays: number[] = []
  for (let i = 0; i < 14; i++) {
    p.failed('exit 1')
    delays.push(p.delayMs())
  }
  t.same(delays.slice(0, 4), [100, 150, 225, 338])
  t.equal(delays.at(-1), RESTART_POLICY.maxDelayMs)
  t.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number)))
  p.succeeded()
  t.equal(p.delayMs(), 0)
  t.equal(p.degraded(), null)
})

t.test('the breaker opens after five failures in a row, naming the last one', async t => {
  const p = new RestartPolicy()
  for (let i = 0; i < 4; i++) p.failed('exit 1')
  t.equal(p.degraded(), null)
  p.failed('exit code 9')
  t.match(p.degraded(), /5 in a row; last: exit code 9/)
})
