import t from 'tap'
import { exitReason } from '../../../core/supervisor/exit-reason.js'

const facts = { timedOut: false, retired: false, stderrTail: '' }

t.test('deaths are classified into the four restart reasons', async t => {
  t.equal(exitReason(null, 'SIGKILL', { ...facts, timedOut: true }), 'timeout')
  t.equal(exitReason(null, 'SIGABRT', { ...facts, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }), 'memory')
  t.equal(exitReason(134, null, { ...facts, stderrTail: '<--- Last few GCs --->\nJavaScript heap out of memory' }), 'memory')
  t.equal(exitReason(null, 'SIGTRAP', { ...facts, stderrTail: '# Fatal process out of memory: Zone' }), 'memory')
  t.equal(exitReason(0, null, { ...facts, retired: true }), 'recycle')
  t.equal(exitReason(null, 'SIGKILL', { ...facts, retired: true }), 'recycle')
  t.equal(exitReason(1, null, facts), 'crash')
  t.equal(exitReason(null, 'SIGSEGV', facts), 'crash')
  t.equal(exitReason(null, 'SIGKILL', { ...facts, timedOut: true, stderrTail: 'heap out of memory' }), 'timeout', 'the deadline decides first')
})
