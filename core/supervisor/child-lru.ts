/**
 * A mirror of an LRU cache a sandbox host keeps (compiled scripts, variable sets): which keys it holds, in its
 * order, evicting exactly as it evicts, so the supervisor sends a thing only to a host that lacks it.
 */
export class ChildLru<K, V> {
  readonly #entries = new Map<K, V>()
  readonly #capacity: number

  constructor (capacity: number) {
    this.#capacity = capacity
  }

  /** The value recorded for a key the host holds, marked used as the host marks it; undefined when it lacks it. */
  touch (key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, value)
    return value
  }

  /** Records a key the host is being sent, evicting the oldest past capacity as the host will. */
  add (key: K, value: V): void {
    this.#entries.set(key, value)
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value as K)
  }
}
