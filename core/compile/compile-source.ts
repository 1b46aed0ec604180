import { createHash } from 'node:crypto'
import { parse, type Node } from 'acorn'
import { transform } from 'sucrase'

export type CompileResult =
  | { ok: true, compiled: string, sha256: string }
  | { ok: false, message: string }

/**
 * The compiled form is a contract with the sandbox host: a script that evaluates to `function (exports, module)`.
 * The wrapper opens on line 1 so that line N of the user's source is line N of the script in stack traces.
 */
export const WRAPPER_HEAD = '(function (exports, module) {'
export const WRAPPER_TAIL = '\n})'

interface AnyNode extends Node {
  [key: string]: unknown
}

/** Visits every node of an acorn AST, depth first. */
function walk (node: AnyNode, visit: (n: AnyNode) => void): void {
  visit(node)
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child)) walk(child, visit)
    } else if (isNode(value)) {
      walk(value, visit)
    }
  }
}

function isNode (value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
}

function at (node: AnyNode, source: string): string {
  // acorn positions are offsets; report line:column as acorn's own syntax errors do (1-based line, 0-based column).
  const before = source.slice(0, node.start)
  const line = before.split('\n').length
  const column = node.start - (before.lastIndexOf('\n') + 1)
  return `(${line}:${column})`
}

/** `exports.handler`, `module.exports.handler`, `module.exports`: the CommonJS ways to define a handler. */
function definesHandlerCjs (target: AnyNode): boolean {
  if (target.type !== 'MemberExpression') return false
  const object = target.object as AnyNode
  const prop = target.property as AnyNode
  const propName = target.computed === true ? (prop.type === 'Literal' ? prop.value : undefined) : prop.name
  const isModuleExports = (n: AnyNode): boolean => n.type === 'MemberExpression' && (n.object as AnyNode).name === 'module' &&
    ((n.property as AnyNode).name === 'exports' || (n.property as AnyNode).value === 'exports')
  if (isModuleExports(target)) return true
  if (propName === 'handler' || propName === 'default') return (object.type === 'Identifier' && object.name === 'exports') || isModuleExports(object)
  return false
}

function declaresHandler (node: AnyNode): boolean {
  if (node.type === 'ExportDefaultDeclaration') return true
  if (node.type !== 'ExportNamedDeclaration') return false
  const decl = node.declaration as AnyNode | null
  if (decl !== null && decl !== undefined) {
    if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') return (decl.id as AnyNode).name === 'handler'
    if (decl.type === 'VariableDeclaration') {
      return (decl.declarations as AnyNode[]).some((d) => (d.id as AnyNode).type === 'Identifier' && (d.id as AnyNode).name === 'handler')
    }
  }
  return (node.specifiers as AnyNode[]).some((s) => {
    const exported = s.exported as AnyNode
    return exported.name === 'handler' || exported.value === 'handler' || exported.name === 'default'
  })
}

function parseModuleOrScript (js: string): { ast: AnyNode, isModule: boolean } {
  try {
    return { ast: parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: false }) as unknown as AnyNode, isModule: true }
  } catch (moduleErr) {
    // CommonJS sources may use what modules forbid (e.g. `with`, octal literals); accept them as scripts.
    try {
      return { ast: parse(js, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: false }) as unknown as AnyNode, isModule: false }
    } catch {
      throw moduleErr
    }
  }
}

/**
 * Checks and compiles one function source, synchronously. Never runs user code: the handler check is static.
 * TypeScript (`.ts`) loses its types through sucrase; ESM becomes CommonJS; CommonJS stays as written.
 */
export function compileSource (source: string, filePath: string): CompileResult {
  const sha256 = createHash('sha256').update(source, 'utf8').digest('hex')
  let js = source
  if (filePath.endsWith('.ts')) {
    try {
      js = transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true }).code
    } catch (err) {
      return { ok: false, message: `SyntaxError: ${(err as Error).message}` }
    }
  }
  let parsed: { ast: AnyNode, isModule: boolean }
  try {
    parsed = parseModuleOrScript(js)
  } catch (err) {
    return { ok: false, message: `SyntaxError: ${(err as Error).message}` }
  }
  let hasHandler = false
  let hasModuleSyntax = false
  let problem: string | undefined
  walk(parsed.ast, (node) => {
    if (problem !== undefined) return
    switch (node.type) {
      case 'ImportDeclaration':
        problem = `Error: Function code may not import modules ${at(node, js)}; the sandbox provides no modules`
        return
      case 'ImportExpression':
        problem = `Error: Dynamic import() is not available ${at(node, js)}`
        return
      case 'MetaProperty':
        if ((node.meta as AnyNode).name === 'import') problem = `Error: import.meta is not available ${at(node, js)}`
        return
      case 'CallExpression': {
        const callee = node.callee as AnyNode
        if (callee.type === 'Identifier' && callee.name === 'require') {
          problem = `Error: Function code may not import modules ${at(node, js)}; the sandbox provides no modules`
        }
        return
      }
      case 'ExportAllDeclaration':
        problem = `Error: Function code may not import modules ${at(node, js)}; the sandbox provides no modules`
        return
      case 'ExportNamedDeclaration':
        if (node.source !== null && node.source !== undefined) {
          problem = `Error: Function code may not import modules ${at(node, js)}; the sandbox provides no modules`
          return
        }
        hasModuleSyntax = true
        if (declaresHandler(node)) hasHandler = true
        return
      case 'ExportDefaultDeclaration':
        hasModuleSyntax = true
        hasHandler = true
        return
      case 'AssignmentExpression':
        if (definesHandlerCjs(node.left as AnyNode)) hasHandler = true
    }
  })
  if (problem !== undefined) return { ok: false, message: problem }
  if (!hasHandler) {
    return { ok: false, message: 'Error: Function code defines no handler (export a function named handler, a default export, or set exports.handler)' }
  }
  if (hasModuleSyntax) {
    try {
      js = transform(js, { transforms: ['imports'], disableESTransforms: true, production: true }).code
    } catch (err) {
      return { ok: false, message: `SyntaxError: ${(err as Error).message}` }
    }
  }
  return { ok: true, sha256, compiled: WRAPPER_HEAD + js + WRAPPER_TAIL }
}
