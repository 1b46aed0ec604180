// The metric names a PromQL expression selects, so the dashboard and alert tests can compare every name with a real
// scrape. A regex over known prefixes would let a misspelt or foreign name (`fn_invocations_total`) slip through
// unchecked; this reads every identifier and drops only what cannot be a metric: functions and aggregations (an
// identifier before `(`), keywords, label names (inside `{…}`, and the lists of by/without/on/ignoring/group_*),
// strings, durations and Grafana variables.

/** Identifiers that are PromQL syntax, never metric names, when not followed by `(`. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'])
/** Modifiers whose parenthesised list holds label names. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])

export function metricNames (expr: string): string[] {
  const names: string[] = []
  // Strings and Grafana variables first, so their contents are never read as identifiers.
  const text = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/\$\{?\w+\}?/g, ' ')
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '{' || ch === '[') {
      // Label matchers and range/subquery durations hold no metric names.
      const close = text.indexOf(ch === '{' ? '}' : ']', i)
      if (close === -1) throw new Error(`unbalanced ${ch} in ${expr}`)
      i = close + 1
      continue
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i))
    if (ident === null || (i > 0 && /[0-9.]/.test(text[i - 1] as string))) {
      // Not an identifier start, or the unit of a number/duration (`5m`, `1e3`).
      i += ident === null ? 1 : ident[0].length
      continue
    }
    const word = ident[0]
    i += word.length
    const rest = text.slice(i)
    const paren = /^\s*\(/.exec(rest)
    if (LABEL_LISTS.has(word) && paren !== null) {
      i = text.indexOf(')', i) + 1
      continue
    }
    // An aggregation may put its grouping first: `sum by (le) (…)`.
    const aggregation = /^\s*(?:by|without)\s*\(/.test(rest)
    if (paren !== null || aggregation || KEYWORDS.has(word.toLowerCase())) continue
    names.push(word)
  }
  return names
}
