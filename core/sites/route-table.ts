import { parseRoute } from './route-pattern.js'

/** A function as the route table needs it. */
export interface RoutedFunction {
  readonly functionName: string
  readonly filePath: string
  /** The route as people write it: `/api/users/[id]`. */
  readonly route: string
}

export interface RouteMatch extends RoutedFunction {
  /** Decoded values by parameter name; a catch-all's value is the rest of the path joined with `/`. */
  readonly pathParameters: Record<string, string>
}

interface Leaf extends RoutedFunction {
  /** Names of the dynamic segments in path order (a catch-all's last). */
  readonly names: readonly string[]
}

interface Node {
  readonly children: Map<string, Node>
  param?: Node
  leaf?: Leaf
  catchAll?: Leaf
}

const node = (): Node => ({ children: new Map() })

/**
 * One project's routes as a trie of path segments, built once per route generation and matched on every site
 * request. Matching tries a static child first, then the dynamic one, then a catch-all, backing up when a branch
 * dead-ends; so at the first segment where two routes differ, static beats dynamic beats catch-all. Every node sits at
 * one depth and is entered at most once per match, so a match costs at most the size of the table.
 */
export class RouteTable {
  readonly functions: readonly RoutedFunction[]
  readonly #root = node()

  /**
   * `entries` in precedence order: when two claim the same route (only rows older than the unique route index can),
   * the first keeps it, as the index backfill decided. File paths that are not routes are left out.
   */
  constructor (entries: ReadonlyArray<{ functionName: string, filePath: string }>) {
    const functions: RoutedFunction[] = []
    for (const { functionName, filePath } of entries) {
      const parsed = parseRoute(filePath)
      if (!parsed.ok) continue
      let at = this.#root
      const names: string[] = []
      let catchAll = false
      for (const segment of parsed.pattern.segments) {
        if (segment.kind === 'static') {
          let next = at.children.get(segment.value)
          if (next === undefined) at.children.set(segment.value, next = node())
          at = next
        } else if (segment.kind === 'param') {
          at = at.param ??= node()
          names.push(segment.name)
        } else {
          names.push(segment.name)
          catchAll = true
        }
      }
      const leaf: Leaf = { functionName, filePath, route: parsed.pattern.route, names }
      if (catchAll ? at.catchAll !== undefined : at.leaf !== undefined) continue
      if (catchAll) at.catchAll = leaf
      else at.leaf = leaf
      functions.push({ functionName, filePath, route: leaf.route })
    }
    this.functions = functions
  }

  /** The function serving these decoded, non-empty path segments, or null. Case-sensitive. */
  match (segments: readonly string[]): RouteMatch | null {
    const values: string[] = []
    const leaf = walk(this.#root, segments, 0, values)
    if (leaf === null) return null
    // Null prototype: a parameter may be called `__proto__`.
    const pathParameters = Object.create(null) as Record<string, string>
    for (const [i, name] of leaf.names.entries()) pathParameters[name] = values[i] as string
    return { functionName: leaf.functionName, filePath: leaf.filePath, route: leaf.route, pathParameters }
  }
}

function walk (at: Node, segments: readonly string[], i: number, values: string[]): Leaf | null {
  if (i === segments.length) return at.leaf ?? null
  const segment = segments[i] as string
  const child = at.children.get(segment)
  if (child !== undefined) {
    const found = walk(child, segments, i + 1, values)
    if (found !== null) return found
  }
  if (at.param !== undefined) {
    values.push(segment)
    const found = walk(at.param, segments, i + 1, values)
    if (found !== null) return found
    values.pop()
  }
  if (at.catchAll !== undefined) {
    values.push(segments.slice(i).join('/'))
    return at.catchAll
  }
  return null
}
