import t from 'tap'
import { loadConfig } from '../../config/load-config.js'
import { createLogger } from '../../core/logger.js'
import { createPluginHost, orderPlugins } from '../../core/plugin-loader.js'
import type { FunctionCache, Plugin } from '../../plugins/types.js'

const config = loadConfig({})
const lines: string[] = []
const log = createLogger({ level: 'debug', format: 'json', write: (l) => { lines.push(l) } })
const fakeCache = { kind: 'test' } as unknown as FunctionCache

const plugin = (name: string, extra: Partial<Plugin> = {}, events?: string[]): Plugin => ({
  name,
  async register (app) {
    events?.push(`register ${name}`)
    app.onClose(async () => { events?.push(`close ${name}`) })
  },
  ...extra
})

t.test('plugins register after their dependencies and close in reverse order', async t => {
  const events: string[] = []
  const host = createPluginHost(config, log, [
    plugin('b', { dependencies: ['a'] }, events),
    plugin('a', {}, events),
    plugin('c', { dependencies: ['b'] }, events)
  ])
  host.onReady(async () => { events.push('ready') })
  await Promise.all([host.ready(), host.ready()])
  await host.close()
  await host.close()
  t.same(events, ['register a', 'register b', 'register c', 'ready', 'close c', 'close b', 'close a'])
})

t.test('a missing dependency or a cycle is refused, naming the plugin', async t => {
  t.throws(() => orderPlugins([plugin('x', { dependencies: ['nope'] })]), /plugin "x" depends on "nope"/)
  t.throws(() => orderPlugins([plugin('x', { dependencies: ['y'] }), plugin('y', { dependencies: ['x'] })]), /dependency cycle/)
  t.throws(() => orderPlugins([plugin('x'), plugin('x')]), /listed twice/)
})

t.test('a plugin that hangs fails start-up with an error naming it', async t => {
  const host = createPluginHost(config, log, [{ name: 'slowpoke', timeoutMs: 50, register: () => new Promise(() => {}) }])
  await t.rejects(host.ready(), { code: 'FN_ERR_PLUGIN_TIMEOUT', message: /slowpoke/ })
})

t.test('a plugin that throws fails start-up with an error naming it', async t => {
  const host = createPluginHost(config, log, [{ name: 'broken', register: async () => { throw new Error('disk on fire') } }])
  await t.rejects(host.ready(), { code: 'FN_ERR_PLUGIN_FAILED', message: /plugin "broken" failed: disk on fire/ })
})

t.test('decorations: provided once, before start, and promised ones are checked', async t => {
  const host = createPluginHost(config, log, [
    { name: 'cache', decorates: ['functionCache'], async register (app) { app.decorate('functionCache', fakeCache) } },
    { name: 'again', async register (app) { app.decorate('functionCache', fakeCache) } }
  ])
  await t.rejects(host.ready(), { code: 'FN_ERR_PLUGIN_FAILED', message: /already present/ })

  const liar = createPluginHost(config, log, [{ name: 'liar', decorates: ['registry'], async register () {} }])
  await t.rejects(liar.ready(), { code: 'FN_ERR_DEC_MISSING', message: /plugin "liar" promised "registry"/ })

  const ok = createPluginHost(config, log, [{ name: 'cache', decorates: ['functionCache'], async register (app) { app.decorate('functionCache', fakeCache) } }])
  await ok.ready()
  t.equal(ok.get('functionCache'), fakeCache)
  t.ok(ok.has('functionCache'))
  t.throws(() => ok.get('registry'), { code: 'FN_ERR_DEC_MISSING' })
  t.throws(() => { ok.decorate('registry', fakeCache as never) }, { code: 'FN_ERR_DEC_AFTER_START' })
})

t.test('a failing close hook is logged and the others still run', async t => {
  const events: string[] = []
  const host = createPluginHost(config, log, [
    plugin('first', {}, events),
    { name: 'bad', async register (app) { app.onClose(async () => { throw new Error('close failed') }) } },
    plugin('last', {}, events)
  ])
  await host.ready()
  await host.close()
  t.same(events, ['register first', 'register last', 'close last', 'close first'])
  t.ok(lines.some((l) => l.includes('plugin close failed') && l.includes('"plugin":"bad"')))
})
