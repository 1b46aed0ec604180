import { createHash } from 'node:crypto'
import { getLineInfo, parse, type Program } from 'acorn'
import { checkProgram } from './check-program.js'
import { esmToCjs } from './esm-to-cjs.js'
import { stripTypes, type ColumnMap } from './strip-types.js'

export type CompileResult =
  | { ok: true, compiled: string, sha256: string }
  | { ok: false, message: string }

/**
 * The compiled form is a contract with the sandbox host: a script that evaluates to `function (exports, module)`.
 * The wrapper opens on line 1 so that line N of the user's source is line N of the script in stack traces
 * (type stripping and the export transform keep line breaks where they are; only columns on a line may move).
 */
export const WRAPPER_HEAD = '(function (exports, module) {'
export const WRAPPER_TAIL = '\n})'
/** ES modules are strict; CommonJS sources keep the mode they chose. */
const STRICT = '"use strict";'

type Refusal = { ok: false, message: string }
const identity: ColumnMap = (_line, column) => column

/**
 * `SyntaxError: <message> (line:column)` from an acorn or sucrase error, with acorn's convention (1-based line,
 * 0-based column; sucrase counts columns from 1) and the column mapped back into the user's source. `shift` is what
 * the compiler itself put before line 1 of the user's code.
 */
function syntaxError (err: unknown, input: string, toSourceColumn: ColumnMap = identity, shift = 0): Refusal {
  // Sucrase overflows its stack (RangeError) on absurdly nested input where acorn reports a SyntaxError: both are the user's.
  if (err instanceof RangeError) return { ok: false, message: 'SyntaxError: Function code is nested too deeply' }
  if (!(err instanceof SyntaxError)) throw err
  const offset = (err as { pos?: unknown }).pos
  if (typeof offset !== 'number' || offset < 0 || offset > input.length) return { ok: false, message: `SyntaxError: ${err.message}` }
  const { line, column } = getLineInfo(input, offset)
  const inUserCode = line === 1 ? Math.max(0, column - shift) : column
  return { ok: false, message: `SyntaxError: ${err.message.replace(/ \(\d+:\d+\)$/, '')} (${line}:${toSourceColumn(line, inUserCode)})` }
}

/**
 * Parses as an ES module first; CommonJS sources may use what modules forbid (`with`, legacy octals, `let` as a
 * name), so they get a second chance as scripts. When both fail, the parse that got further explains better.
 */
function parseProgram (js: string, toSourceColumn: ColumnMap): { ok: true, program: Program } | Refusal {
  let moduleErr: unknown
  try {
    return { ok: true, program: parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true }) }
  } catch (err) {
    if (!(err instanceof SyntaxError)) return syntaxError(err, js)
    moduleErr = err
  }
  try {
    return { ok: true, program: parse(js, { ecmaVersion: 'latest', sourceType: 'script', locations: true }) }
  } catch (scriptErr) {
    const pos = (e: unknown): number => (e as { pos?: number }).pos ?? -1
    return syntaxError(pos(scriptErr) > pos(moduleErr) ? scriptErr : moduleErr, js, toSourceColumn)
  }
}

/**
 * Proves the compiled form is what the contract promises: one function expression and nothing else, so no source
 * can close the wrapper early and run code at script evaluation. It also catches what is valid at the top of a
 * program but not in a function body, e.g. `const module = ...` redeclaring a wrapper parameter.
 */
function verifyWrapped (compiled: string, prefixLength: number, toSourceColumn: ColumnMap): Refusal | undefined {
  let program: Program
  try {
    program = parse(compiled, { ecmaVersion: 'latest', sourceType: 'script' })
  } catch (err) {
    return syntaxError(err, compiled, toSourceColumn, prefixLength)
  }
  const only = program.body[0]
  const wrapped = program.body.length === 1 && only?.type === 'ExpressionStatement' &&
    only.expression.type === 'FunctionExpression' && only.expression.start === 1 && only.expression.end === compiled.length - 1
  return wrapped ? undefined : { ok: false, message: 'SyntaxError: Function code does not fit in a function body' }
}

/**
 * Checks and compiles one function source, synchronously and without running it. `.ts` sources lose their types;
 * `export` becomes CommonJS; the result is wrapped per the contract above. Refusals come back as
 * `{ ok: false, message }` with a `line:column` into the source as deployed; anything thrown is a compiler fault.
 */
export function compileSource (source: string, filePath: string): CompileResult {
  const sha256 = createHash('sha256').update(source, 'utf8').digest('hex')
  // A hashbang is legal at the start of a program but not inside the wrapper; same length keeps every column.
  let js = source.startsWith('#!') ? `//${source.slice(2)}` : source
  let toSourceColumn = identity
  if (filePath.endsWith('.ts')) {
    const stripped = stripTypes(js)
    if (!stripped.ok) return syntaxError(stripped.error, js)
    js = stripped.code
    toSourceColumn = stripped.toSourceColumn
  }
  const parsed = parseProgram(js, toSourceColumn)
  if (!parsed.ok) return parsed
  const check = checkProgram(parsed.program, toSourceColumn)
  if (!check.ok) return check
  const prefix = WRAPPER_HEAD + (check.isEsm ? STRICT : '')
  const compiled = prefix + (check.isEsm ? esmToCjs(js, parsed.program) : js) + WRAPPER_TAIL
  const refusal = verifyWrapped(compiled, prefix.length, toSourceColumn)
  if (refusal !== undefined) return refusal
  return { ok: true, compiled, sha256 }
}
