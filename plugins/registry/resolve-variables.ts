import type { ResolvedVariables } from '../types.js'

/** A stored variable with where it is set: '' for the project, else the function's name. */
export interface LeveledVariable {
  name: string
  value: string
  secret: boolean
  level: string
}

/**
 * What a function sees of its variables, given the project's first and its own after: a later one wins by name,
 * whatever its kind; plain values apart from sealed secrets. One rule for every store.
 */
export function resolveVariables (ordered: Iterable<LeveledVariable>): ResolvedVariables {
  const winners = new Map<string, LeveledVariable>()
  for (const v of ordered) winners.set(v.name, v)
  const resolved: ResolvedVariables = { env: {}, secrets: [] }
  for (const [name, v] of winners) {
    if (v.secret) resolved.secrets.push({ name, functionName: v.level, sealed: v.value })
    else resolved.env[name] = v.value
  }
  return resolved
}
