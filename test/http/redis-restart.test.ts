import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import t from 'tap'
import { needs } from '../helpers/backends.js'
import { eventually, fixture, startService } from '../helpers/service.js'

const REDIS_SERVER = '/usr/bin/redis-server'

/** A throwaway Redis the test owns, on a port of its own, so it can be stopped and started mid-run. */
function startRedis (port: number): ChildProcess {
  return spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
}

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => { resolve(port) })
    })
  })
}

const accepting = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); resolve(true) })
  socket.once('error', () => { resolve(false) })
})

if (needs(`${REDIS_SERVER} (Redis stopped and started)`, existsSync(REDIS_SERVER))) {
  const port = await freePort()
  let redis = startRedis(port)
  t.teardown(() => { redis.kill('SIGKILL') })
  await eventually(() => accepting(port))
  const svc = await startService({ REDIS_URL: `redis://127.0.0.1:${port}` })
  t.teardown(() => svc.stop())
  const hits = async (): Promise<number> => Number(/functions_code_cache_requests_total\{result="hit"\} (\d+)/.exec((await svc.call('GET', '/metrics')).text)?.[1] ?? 0)

  t.test('Redis stopped mid-run: invocations keep working from storage; started again: the cache is used again', async t => {
    await svc.deploy('p-restart', 'hello', await fixture('hello.js'))
    t.equal((await svc.invoke('p-restart', 'hello', { name: 'x' })).status, 200)
    const exited = new Promise((resolve) => redis.once('exit', resolve))
    redis.kill('SIGKILL')
    await exited

    const started = Date.now()
    for (let i = 0; i < 5; i++) t.equal((await svc.invoke('p-restart', 'hello', { name: `n${i}` })).json.result.message, `Hello, n${i}!`)
    t.ok(Date.now() - started < 10000, 'no invocation waited on the dead cache')
    t.equal(svc.logs.filter((l) => l.includes('code cache (Redis) unavailable')).length, 1, 'one warning for the outage')

    redis = startRedis(port)
    t.ok(await eventually(() => accepting(port)), 'the throwaway Redis is back')
    t.ok(await eventually(async () => {
      const before = await hits()
      await svc.invoke('p-restart', 'hello', {})
      await svc.invoke('p-restart', 'hello', {})
      return (await hits()) > before
    }), 'the cache serves hits again without a restart of the service')
    t.ok(svc.logs.some((l) => l.includes('code cache (Redis) is back')))
  })
}
