import type { LogLevel } from '../config/schema.js'

export type LogFields = Record<string, unknown>

export interface Logger {
  debug (msg: string, fields?: LogFields): void
  info (msg: string, fields?: LogFields): void
  warn (msg: string, fields?: LogFields): void
  error (msg: string, fields?: LogFields): void
  /** A logger whose every line carries `bindings` (fields serialised once, at creation). */
  child (bindings: LogFields): Logger
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface LoggerOptions {
  level: LogLevel
  format: 'text' | 'json'
  /** Where lines go; stdout by default (platform convention: logs to stdout, one line per event). */
  write?: (line: string) => void
}

const noop = (): void => {}

function textValue (value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]*$/.test(value) ? value : JSON.stringify(value)
  if (value instanceof Error) return JSON.stringify(value.message)
  return JSON.stringify(value) ?? String(value)
}

/**
 * A deliberately small logger: disabled levels are no-ops decided once (as pino does), text lines in the seed's
 * form `[FUNCTIONS] [INFO] message key=value`, or one JSON object per line with LOG_FORMAT=json.
 */
export function createLogger (opts: LoggerOptions, bindings: LogFields = {}): Logger {
  const write = opts.write ?? ((line: string) => { process.stdout.write(line + '\n') })
  const threshold = LEVELS[opts.level]
  const boundJson = JSON.stringify(bindings).slice(1, -1)
  const boundText = Object.entries(bindings).map(([k, v]) => ` ${k}=${textValue(v)}`).join('')

  function emit (level: LogLevel, msg: string, fields?: LogFields): void {
    if (opts.format === 'json') {
      const extra = fields === undefined ? '' : JSON.stringify(fields, errorReplacer).slice(1, -1)
      const parts = [`"time":"${new Date().toISOString()}","level":"${level}","msg":${JSON.stringify(msg)}`]
      if (boundJson !== '') parts.push(boundJson)
      if (extra !== '') parts.push(extra)
      write(`{${parts.join(',')}}`)
      return
    }
    let line = `[FUNCTIONS] [${level.toUpperCase()}] ${msg}${boundText}`
    if (fields !== undefined) {
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${textValue(v)}`
    }
    write(line)
  }

  const make = (level: LogLevel) => LEVELS[level] >= threshold
    ? (msg: string, fields?: LogFields) => { emit(level, msg, fields) }
    : noop
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (more: LogFields) => createLogger(opts, { ...bindings, ...more })
  }
}

/** Errors log as their code and message only: never a stack, which can carry paths. */
function errorReplacer (_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code
    return code === undefined ? value.message : { code, message: value.message }
  }
  return value
}
