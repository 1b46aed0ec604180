import t from 'tap'
import { createLogger } from '../../core/logger.js'

t.test('text lines follow the seed form, with fields after the message', async t => {
  const lines: string[] = []
  const log = createLogger({ level: 'info', format: 'text', write: (l) => { lines.push(l) } })
  log.info('Function invocation: project-123/hello', { duration: 12 })
  log.child({ projectId: 'project-123' }).warn('Function failed: x', { message: 'Error: boom' })
  log.debug('hidden')
  t.same(lines, [
    '[FUNCTIONS] [INFO] Function invocation: project-123/hello duration=12',
    '[FUNCTIONS] [WARN] Function failed: x projectId=project-123 message="Error: boom"'
  ])
})

t.test('json lines are one object each, with bindings, and errors without stacks', async t => {
  const lines: string[] = []
  const log = createLogger({ level: 'debug', format: 'json', write: (l) => { lines.push(l) } })
  const err = Object.assign(new Error('db down'), { code: 'ECONNREFUSED' })
  log.child({ invocationId: 'i1' }).error('failed', { err, outcome: 'error' })
  const entry = JSON.parse(lines[0] as string)
  t.match(entry, { level: 'error', msg: 'failed', invocationId: 'i1', outcome: 'error', err: { code: 'ECONNREFUSED', message: 'db down' } })
  t.equal(new Date(entry.time).toISOString(), entry.time)
  t.notMatch(lines[0], /at .*\.js/)
})

t.test('levels below the threshold are no-ops', async t => {
  const lines: string[] = []
  const log = createLogger({ level: 'error', format: 'json', write: (l) => { lines.push(l) } })
  log.debug('a')
  log.info('b')
  log.warn('c')
  log.error('d')
  t.equal(lines.length, 1)
})
