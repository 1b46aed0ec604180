import type { AnyNode, Expression, Node, Pattern, Program } from 'acorn'
import { walk } from './ast-walk.js'

export type ProgramCheck =
  | { ok: true, /** Uses `export`: needs the CommonJS transform before it can run in the wrapper. */ isEsm: boolean }
  | { ok: false, message: string }

export const NO_HANDLER_MESSAGE =
  'Error: Function code defines no handler (export a function named handler, export a default function, or assign exports.handler)'

/** Where a node of the parsed (possibly type-stripped) code sits in the source the user wrote, as `(line:column)`. */
type Position = (node: Node) => string

/**
 * `(line:column)` as acorn's own syntax errors read: 1-based line, 0-based column. Needs `locations: true`. Lines
 * of type-stripped code are the source's lines; columns go through `toSourceColumn`.
 */
function positionIn (toSourceColumn: (line: number, column: number) => number): Position {
  return (node) => {
    if (node.loc === null || node.loc === undefined) return `(offset ${node.start})`
    const { line, column } = node.loc.start
    return `(${line}:${toSourceColumn(line, column)})`
  }
}

/** Names a declaration binds: `handler` in `const handler`, `const { handler } = ...`, `const [handler] = ...`. */
export function boundNames (pattern: Pattern | null, into: string[] = []): string[] {
  if (pattern === null) return into
  switch (pattern.type) {
    case 'Identifier': into.push(pattern.name); break
    case 'ObjectPattern':
      for (const p of pattern.properties) boundNames(p.type === 'RestElement' ? p.argument : p.value, into)
      break
    case 'ArrayPattern': for (const e of pattern.elements) boundNames(e, into); break
    case 'AssignmentPattern': boundNames(pattern.left, into); break
    case 'RestElement': boundNames(pattern.argument, into); break
  }
  return into
}

function propertyName (node: AnyNode): string | undefined {
  if (node.type !== 'MemberExpression') return undefined
  if (!node.computed && node.property.type === 'Identifier') return node.property.name
  if (node.computed && node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value
  return undefined
}

const isIdentifier = (node: AnyNode | Expression, name: string): boolean => node.type === 'Identifier' && node.name === name

function isModuleExports (node: AnyNode): boolean {
  return node.type === 'MemberExpression' && isIdentifier(node.object, 'module') && propertyName(node) === 'exports'
}

/**
 * The CommonJS ways to define a handler, as the sandbox resolves it (module.exports itself, `.handler`, `.default`):
 * `module.exports = ...`, `exports.handler = ...`, `module.exports.handler = ...`, and the same with `default`.
 */
function assignsHandler (target: AnyNode): boolean {
  if (isModuleExports(target)) return true
  if (target.type !== 'MemberExpression') return false
  const name = propertyName(target)
  if (name !== 'handler' && name !== 'default') return false
  return isIdentifier(target.object, 'exports') || isModuleExports(target.object)
}

function exportsHandler (node: AnyNode): boolean {
  if (node.type === 'ExportDefaultDeclaration') return true
  if (node.type !== 'ExportNamedDeclaration') return false
  const decl = node.declaration
  if (decl !== null && decl !== undefined) {
    if (decl.type === 'VariableDeclaration') return decl.declarations.some((d) => boundNames(d.id).includes('handler'))
    return decl.id.name === 'handler'
  }
  return node.specifiers.some((s) => {
    const name = s.exported.type === 'Identifier' ? s.exported.name : s.exported.value
    return name === 'handler' || name === 'default'
  })
}

/**
 * The static checks of a parsed function source. Never runs user code. Refuses what the sandbox cannot provide or
 * must never see (module loading, dynamic `import()` and `import.meta`, which reach the host realm in Node's vm),
 * what the wrapper cannot run (top-level await), and code that defines no handler. The first refusal in source
 * order wins, so the message points at what the user reads first.
 */
export function checkProgram (program: Program, toSourceColumn = (_line: number, column: number) => column): ProgramCheck {
  const position = positionIn(toSourceColumn)
  const importMessage = (node: Node): string =>
    `Error: Function code may not import modules ${position(node)}; the sandbox provides no modules`
  let isEsm = false
  let hasHandler = false
  let problem: string | undefined
  walk(program, (node, inFunction) => {
    if (problem !== undefined) return
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        problem = importMessage(node)
        return
      case 'ExportNamedDeclaration':
        if (node.source !== null && node.source !== undefined) { problem = importMessage(node); return }
        isEsm = true
        if (exportsHandler(node)) hasHandler = true
        return
      case 'ExportDefaultDeclaration':
        isEsm = true
        hasHandler = true
        return
      case 'ImportExpression':
        problem = `Error: Dynamic import() is not available ${position(node)}`
        return
      case 'MetaProperty':
        if (node.meta.name === 'import') problem = `Error: import.meta is not available ${position(node)}`
        return
      case 'CallExpression':
        if (isIdentifier(node.callee, 'require')) problem = importMessage(node)
        return
      case 'AwaitExpression':
        if (!inFunction) problem = `Error: Top-level await is not available ${position(node)}; await inside the handler`
        return
      case 'ForOfStatement':
        if (node.await && !inFunction) problem = `Error: Top-level await is not available ${position(node)}; await inside the handler`
        return
      case 'AssignmentExpression':
        if (assignsHandler(node.left)) hasHandler = true
    }
  })
  if (problem !== undefined) return { ok: false, message: problem }
  if (!hasHandler) return { ok: false, message: NO_HANDLER_MESSAGE }
  return { ok: true, isEsm }
}
