/** A FIFO whose entries can also leave from the middle (a client gone, a queue wait over). */
export class TaskQueue<T> {
  readonly #items = new Set<T>()

  get length (): number { return this.#items.size }

  push (item: T): void { this.#items.add(item) }

  remove (item: T): boolean { return this.#items.delete(item) }

  has (item: T): boolean { return this.#items.has(item) }

  /** In arrival order (a Set iterates in insertion order). */
  [Symbol.iterator] (): IterableIterator<T> { return this.#items.values() }

  drain (): T[] {
    const all = [...this.#items]
    this.#items.clear()
    return all
  }
}
