import type { Config } from '../config/schema.js'
import type { App, Decorations, Plugin } from '../plugins/types.js'
import { createError } from './errors.js'
import type { Logger } from './logger.js'

const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000

export interface PluginHost extends App {
  /** Registers every plugin in dependency order, then runs the onReady hooks. Idempotent: one promise serves all callers. */
  ready (): Promise<void>
  /** Runs the onClose hooks in reverse registration order; errors are logged and the rest still run. Idempotent. */
  close (): Promise<void>
}

/** Orders plugins so that every plugin comes after its dependencies; refuses missing ones and cycles, naming the plugin. */
export function orderPlugins (plugins: readonly Plugin[]): Plugin[] {
  const byName = new Map<string, Plugin>()
  for (const p of plugins) {
    if (byName.has(p.name)) throw createError('FN_ERR_PLUGIN_FAILED', { message: `plugin "${p.name}" is listed twice` })
    byName.set(p.name, p)
  }
  const ordered: Plugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (p: Plugin): void => {
    const s = state.get(p.name)
    if (s === 'done') return
    if (s === 'visiting') throw createError('FN_ERR_PLUGIN_DEPENDENCY', { message: `plugin "${p.name}" is part of a dependency cycle` })
    state.set(p.name, 'visiting')
    for (const dep of p.dependencies ?? []) {
      const d = byName.get(dep)
      if (d === undefined) throw createError('FN_ERR_PLUGIN_DEPENDENCY', { message: `plugin "${p.name}" depends on "${dep}", which is not loaded` })
      visit(d)
    }
    state.set(p.name, 'done')
    ordered.push(p)
  }
  for (const p of plugins) visit(p)
  return ordered
}

/** Not unref()'d: a plugin that hangs on a promise with nothing else pending must fail, not let the process exit. */
function withTimeout<T> (work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(onTimeout()) }, ms)
  })
  return Promise.race([work, timeout]).finally(() => { clearTimeout(timer) })
}

/**
 * The plugin host: register → ready → close, as avvio does it, for our handful of infrastructure plugins.
 * Decorations are set once, before ready; close hooks run LIFO so storage closes after whatever used it.
 */
export function createPluginHost (config: Config, log: Logger, plugins: readonly Plugin[]): PluginHost {
  const decorations = new Map<keyof Decorations, unknown>()
  const readyHooks: Array<() => Promise<void>> = []
  const closeHooks: Array<{ plugin: string, fn: () => Promise<void> }> = []
  const state = { started: false, current: 'core' }
  let readyPromise: Promise<void> | undefined
  let closePromise: Promise<void> | undefined

  const host: PluginHost = {
    config,
    log,
    decorate (name, value) {
      if (state.started) throw createError('FN_ERR_DEC_AFTER_START', { message: `"${String(name)}" (plugin "${state.current}")` })
      if (decorations.has(name)) throw createError('FN_ERR_DEC_ALREADY_PRESENT', { message: `"${String(name)}" (plugin "${state.current}")` })
      decorations.set(name, value)
    },
    get (name) {
      if (!decorations.has(name)) throw createError('FN_ERR_DEC_MISSING', { message: `no plugin provides "${String(name)}"` })
      return decorations.get(name) as Decorations[typeof name]
    },
    has: (name) => decorations.has(name),
    onReady (fn) { readyHooks.push(fn) },
    onClose (fn) { closeHooks.push({ plugin: state.current, fn }) },
    ready () {
      readyPromise ??= (async () => {
        for (const plugin of orderPlugins(plugins)) {
          state.current = plugin.name
          const ms = plugin.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS
          try {
            await withTimeout(plugin.register(host), ms,
              () => createError('FN_ERR_PLUGIN_TIMEOUT', { message: `plugin "${plugin.name}" did not register within ${ms} ms` }))
          } catch (err) {
            if ((err as { code?: string }).code === 'FN_ERR_PLUGIN_TIMEOUT') throw err
            throw createError('FN_ERR_PLUGIN_FAILED', { message: `plugin "${plugin.name}" failed: ${(err as Error).message}`, cause: err })
          }
          for (const name of plugin.decorates ?? []) {
            if (!decorations.has(name)) {
              throw createError('FN_ERR_DEC_MISSING', { message: `plugin "${plugin.name}" promised "${String(name)}" but did not provide it` })
            }
          }
          log.debug('plugin registered', { plugin: plugin.name })
        }
        state.current = 'core'
        state.started = true
        for (const fn of readyHooks) await fn()
      })()
      return readyPromise
    },
    close () {
      closePromise ??= (async () => {
        for (const { plugin, fn } of closeHooks.reverse()) {
          try {
            await withTimeout(fn(), DEFAULT_PLUGIN_TIMEOUT_MS,
              () => createError('FN_ERR_PLUGIN_TIMEOUT', { message: `plugin "${plugin}" did not close within ${DEFAULT_PLUGIN_TIMEOUT_MS} ms` }))
          } catch (err) {
            log.error('plugin close failed', { plugin, err })
          }
        }
      })()
      return closePromise
    }
  }
  return host
}
