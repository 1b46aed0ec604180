import { tokenizer, type ExportDefaultDeclaration, type ExportNamedDeclaration, type Program } from 'acorn'
import { boundNames } from './check-program.js'

interface Edit { start: number, end: number, text: string }
type Edits = Edit[]
type Epilogue = Array<[exported: string, local: string]>

/**
 * Turns the `export` statements of a checked ES module into CommonJS, keeping every line where it was.
 *
 * Why not sucrase's `imports` transform: on code written without semicolons it moves exported destructuring to a
 * line that starts with `(` or `[` (`const a = 1\n( { handler: exports.handler } = impl)` calls `1(...)`), and it
 * drops names (`export let a, b` becomes `exports.a, b`). Imports are refused before this runs, so `export` is the
 * only module syntax left, and a dozen lines over acorn's tree handle all of it:
 *
 *   - `export <declaration>` loses the keyword (blanked, so columns stay) and stays a declaration;
 *   - `export { a as b }` is blanked;
 *   - `export default <expression>` and anonymous default functions and classes become `exports.default = ...`;
 *   - every exported binding is assigned to `exports` once, after the module body ran. The sandbox reads exports
 *     only after the body ran, so this matches ESM's live bindings for everything a handler can observe.
 *
 * Each blanked statement keeps a `;` in its place, so no neighbouring lines can join into one expression.
 */
export function esmToCjs (js: string, program: Program): string {
  const edits: Edits = []
  const epilogue: Epilogue = []
  for (const node of program.body) {
    if (node.type === 'ExportNamedDeclaration') named(js, node, edits, epilogue)
    else if (node.type === 'ExportDefaultDeclaration') defaultExport(js, node, edits, epilogue)
  }
  let out = ''
  let at = 0
  for (const edit of edits) {
    out += js.slice(at, edit.start) + edit.text
    at = edit.end
  }
  out += js.slice(at)
  // Own line: the module's last line may end in a `//` comment. Its own statement: `;` guards against a dangling expression.
  const assigns = epilogue.map(([exported, local]) => `exports[${JSON.stringify(exported)}] = ${local};`).join(' ')
  return `${out}${assigns === '' ? '' : `\n;${assigns}`}`
}

/** `text` followed by whitespace, keeping each line break of `js.slice(start, end)` (comments may span lines). */
function blank (js: string, start: number, end: number, text: string): Edit {
  const replaced = js.slice(start, end)
  const kept = replaced.slice(Math.min(text.length, replaced.length)).replace(/[^\r\n\u2028\u2029]/g, ' ')
  const breaks = replaced.slice(0, text.length).replace(/[^\r\n\u2028\u2029]/g, '')
  return { start, end, text: text + breaks + kept }
}

function named (js: string, node: ExportNamedDeclaration, edits: Edits, epilogue: Epilogue): void {
  const decl = node.declaration
  if (decl !== null && decl !== undefined) {
    edits.push(blank(js, node.start, decl.start, ';'))
    if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations) for (const name of boundNames(d.id)) epilogue.push([name, name])
    } else {
      epilogue.push([decl.id.name, decl.id.name])
    }
    return
  }
  edits.push(blank(js, node.start, node.end, ';'))
  for (const s of node.specifiers) {
    const exported = s.exported.type === 'Identifier' ? s.exported.name : String(s.exported.value)
    const local = s.local.type === 'Identifier' ? s.local.name : String(s.local.value)
    epilogue.push([exported, local])
  }
}

function defaultExport (js: string, node: ExportDefaultDeclaration, edits: Edits, epilogue: Epilogue): void {
  const decl = node.declaration
  const isDeclaration = decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration'
  if (isDeclaration && decl.id !== null && decl.id !== undefined) {
    // A named default function stays a hoisted declaration.
    edits.push(blank(js, node.start, decl.start, ';'))
    epilogue.push(['default', decl.id.name])
    return
  }
  // Only the two keywords go: what follows them may already belong to the expression, e.g. the `(` of
  // `export default (function () {})`, which acorn leaves out of the expression node's range.
  const keywords = [...tokenizer(js.slice(node.start, decl.start), { ecmaVersion: 'latest', sourceType: 'module' })]
  const defaultEnd = node.start + (keywords[1]?.end ?? decl.start - node.start)
  edits.push(blank(js, node.start, defaultEnd, ';exports.default ='))
  // An anonymous function or class declaration turned expression must not swallow a next line starting with `(`.
  if (isDeclaration) edits.push({ start: decl.end, end: decl.end, text: ';' })
}
