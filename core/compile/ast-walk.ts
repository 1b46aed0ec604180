import type { AnyNode } from 'acorn'

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

function isNode (value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
}

/**
 * Visits every node of an acorn AST, parent before children, children in source order. `inFunction` says whether
 * the node sits inside a function body (top-level `await` is decided from it).
 *
 * Iterative on purpose: user code is untrusted, and a deeply nested expression that acorn still accepted must not
 * overflow the stack of the compile worker.
 */
export function walk (root: AnyNode, visit: (node: AnyNode, inFunction: boolean) => void): void {
  const stack: Array<[AnyNode, boolean]> = [[root, false]]
  while (stack.length > 0) {
    const [node, inFunction] = stack.pop() as [AnyNode, boolean]
    visit(node, inFunction)
    const childInFunction = inFunction || FUNCTION_TYPES.has(node.type)
    const children: AnyNode[] = []
    for (const key of Object.keys(node)) {
      // `loc` and friends are plain objects without `type`; only real child nodes pass isNode.
      const value = (node as unknown as Record<string, unknown>)[key]
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) children.push(child)
      } else if (isNode(value)) {
        children.push(value)
      }
    }
    // Pushed in reverse so the first child in source order is popped first.
    children.sort((a, b) => a.start - b.start)
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i] as AnyNode, childInFunction])
  }
}
