/**
 * Hardens a realm so that ONE context can serve a host's invocations one after another without any of them seeing
 * another's state (the approach of Hardened JavaScript / SES compartments): every intrinsic is frozen, so nothing
 * can be written into what invocations share, and each invocation gets a global object of its own (realm.ts and
 * script-cache.ts put it in front of the function's code). A fresh vm context per invocation gives the same
 * promise for about 250 µs of V8 work each time; this gives it for a few microseconds.
 *
 * What invocations of one realm still share, and why it holds nothing of theirs:
 * - the intrinsics (Object, Array.prototype, JSON, Intl, ...): frozen, the hidden ones (iterator, generator and
 *   async function prototypes) included, so they cannot carry a value from one invocation to the next;
 * - the realm's real global object: Node's contextified global cannot be frozen, so its bindings are made
 *   non-writable and non-configurable here, and `restore` (run after every invocation) deletes what sloppy code
 *   added to it (`x = 1`, `this.y = 2` in a sloppy function) or reports that it cannot, and the realm is replaced;
 * - V8's internal per-context state (Math.random's generator, caches): no value a function can write.
 *
 * Freezing makes assignments to inherited properties fail (`this.name = 'MyError'` in an Error subclass,
 * `Foo.prototype.toString = ...`: the "override mistake" of the spec). The properties code commonly overrides that
 * way become accessors whose setter defines the property on the object assigned to, as SES does.
 *
 * The legacy RegExp statics (RegExp.$1, lastMatch, input...) are deleted: V8 keeps there the last match of ANY
 * regular expression in the realm, which would hand one invocation the text another one matched.
 *
 * Like realm-bootstrap.ts, `lockdownRealm` must stay self-contained: its source text is evaluated in the realm,
 * before any user code, with the realm's pristine intrinsics.
 */

/** What a locked-down realm gives the bootstrap for building each invocation's global. */
export interface RealmLockdown {
  /** Identifiers the compiled wrapper declares as parameters, in order: 'globalThis', 'console', then intrinsics. */
  names: string[]
  /** The intrinsics' values, aligned with `names` from index 2 on (0 and 1 are per invocation). */
  values: unknown[]
  /**
   * The prototype of every invocation's global object: every global binding, frozen, as an accessor whose setter
   * defines the binding on the invocation's global instead (so `globalThis.Math = ...` works as usual, for that
   * invocation only). Creating an object on it costs ~0.3 µs; copying 60 bindings as own properties cost ~11 µs.
   */
  sharedGlobal: object
  /** Puts the real global back as lockdown left it; false when that is not possible (the realm must go). */
  restore: () => boolean
  /** The value behind an override accessor's getter (for the console formatter's class names); undefined otherwise. */
  overridden: (getter: unknown) => unknown
}

export function lockdownRealm (): RealmLockdown {
  'use strict'
  const g = globalThis as unknown as Record<PropertyKey, unknown>
  const apply = Reflect.apply
  const ownKeys = Reflect.ownKeys
  const defineProperty = Object.defineProperty
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor
  const getPrototypeOf = Object.getPrototypeOf
  const setPrototypeOf = Object.setPrototypeOf
  const freeze = Object.freeze
  const isFrozen = Object.isFrozen
  const hasOwn = Object.hasOwn
  const create = Object.create
  const TypeErrorCtor = TypeError
  const StringCtor = String
  const RealmSet = Set
  const setHas = Set.prototype.has
  const setAdd = Set.prototype.add
  const RealmWeakMap = WeakMap
  const weakMapSet = WeakMap.prototype.set
  const weakMapGet = WeakMap.prototype.get

  // ---- the legacy RegExp statics --------------------------------------------------------------------------------
  const regexpKeys = ownKeys(RegExp)
  for (let i = 0; i < regexpKeys.length; i++) {
    const key = regexpKeys[i] as PropertyKey
    if (typeof key !== 'string') continue
    const desc = getOwnPropertyDescriptor(RegExp, key)
    if (desc !== undefined && desc.get !== undefined) delete (RegExp as unknown as Record<string, unknown>)[key]
  }

  // ---- everything to freeze: what the global reaches, and the intrinsics no global name reaches ----------------
  const hiddenRoots: unknown[] = []
  /* eslint-disable @typescript-eslint/no-empty-function */
  function * generator (): Generator<never> {}
  async function asyncFunction (): Promise<void> {}
  async function * asyncGenerator (): AsyncGenerator<never> {}
  /* eslint-enable @typescript-eslint/no-empty-function */
  hiddenRoots.push(getPrototypeOf(generator), getPrototypeOf(asyncFunction), getPrototypeOf(asyncGenerator))
  hiddenRoots.push(getPrototypeOf([][Symbol.iterator]()), getPrototypeOf(new Map().entries()), getPrototypeOf(new Set().values()))
  hiddenRoots.push(getPrototypeOf(''[Symbol.iterator]()), getPrototypeOf('a'.matchAll(/a/g)))
  const intl = g.Intl as Record<string, unknown> | undefined
  if (typeof intl?.Segmenter === 'function') {
    const segments = new (intl.Segmenter as new () => { segment: (s: string) => Iterable<unknown> })().segment('a')
    hiddenRoots.push(getPrototypeOf(segments), getPrototypeOf(segments[Symbol.iterator]()))
  }

  const reached = new RealmSet<object>()
  const order: object[] = []
  const pending: unknown[] = [getPrototypeOf(g)]
  const globalKeys = ownKeys(g)
  for (let i = 0; i < globalKeys.length; i++) {
    const desc = getOwnPropertyDescriptor(g, globalKeys[i] as PropertyKey)
    if (desc !== undefined) pending.push(desc.value, desc.get, desc.set)
  }
  for (let i = 0; i < hiddenRoots.length; i++) pending.push(hiddenRoots[i])
  while (pending.length > 0) {
    const value = pending.pop()
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || value === g) continue
    if (apply(setHas, reached, [value]) === true) continue
    apply(setAdd, reached, [value])
    order.push(value)
    pending.push(getPrototypeOf(value))
    const keys = ownKeys(value)
    for (let i = 0; i < keys.length; i++) {
      const desc = getOwnPropertyDescriptor(value, keys[i] as PropertyKey)
      if (desc !== undefined) pending.push(desc.value, desc.get, desc.set)
    }
  }

  // ---- the override mistake ---------------------------------------------------------------------------------------
  /** A getter returning `value` and a setter that defines `key` on the object assigned to, never on `owner`. */
  function overrideAccessors (owner: object, key: PropertyKey, value: unknown): { get: () => unknown, set: (next: unknown) => void } {
    // Methods, not function expressions: they have no `prototype` object, which would be one more thing to freeze.
    return {
      get (): unknown { return value },
      set (this: unknown, next: unknown): void {
        if (this === owner) throw new TypeErrorCtor(`Cannot assign to read only property '${StringCtor(key)}' of a frozen built-in`)
        if ((typeof this !== 'object' && typeof this !== 'function') || this === null) throw new TypeErrorCtor(`Cannot create property '${StringCtor(key)}' on a primitive`)
        if (hasOwn(this, key)) (this as Record<PropertyKey, unknown>)[key] = next
        else defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true })
      }
    }
  }
  const OVERRIDABLE: PropertyKey[] = ['constructor', 'toString', 'toLocaleString', 'valueOf', 'toJSON', 'name', 'message',
    'then', 'catch', 'finally', 'push', 'concat', 'join', Symbol.iterator, Symbol.asyncIterator]
  const accessors: unknown[] = []
  const overrideValues = new RealmWeakMap<object, unknown>()
  function enableOverride (owner: object, key: PropertyKey): void {
    const desc = getOwnPropertyDescriptor(owner, key)
    if (desc === undefined || !hasOwn(desc, 'value') || desc.writable !== true || desc.configurable !== true) return
    const value = desc.value as unknown
    const pair = overrideAccessors(owner, key, value)
    defineProperty(owner, key, { get: pair.get, set: pair.set, enumerable: desc.enumerable === true, configurable: false })
    apply(weakMapSet, overrideValues, [pair.get, value])
    accessors.push(pair.get, pair.set)
  }
  const everyProperty = [Object.prototype, Function.prototype]
  for (let i = 0; i < order.length; i++) {
    const owner = order[i] as object
    const keys = everyProperty.indexOf(owner) >= 0 ? ownKeys(owner) : OVERRIDABLE
    for (let k = 0; k < keys.length; k++) enableOverride(owner, keys[k] as PropertyKey)
  }
  for (let i = 0; i < accessors.length; i++) order.push(accessors[i] as object)

  // ---- freeze, and lock the global's own bindings -----------------------------------------------------------------
  for (let i = 0; i < order.length; i++) freeze(order[i])
  for (let i = 0; i < order.length; i++) {
    if (!isFrozen(order[i])) throw new TypeErrorCtor('sandbox realm: an intrinsic could not be frozen')
  }

  const names: string[] = ['globalThis', 'console']
  const values: unknown[] = [undefined, undefined]
  const sharedGlobal = create(Object.prototype) as object
  const NOT_PARAMETERS = ['undefined', 'NaN', 'Infinity', 'eval', 'globalThis', 'console']
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
  for (let i = 0; i < globalKeys.length; i++) {
    const key = globalKeys[i] as PropertyKey
    const desc = getOwnPropertyDescriptor(g, key)
    if (desc === undefined) continue
    if (!hasOwn(desc, 'value')) throw new TypeErrorCtor('sandbox realm: an accessor on the global object')
    // Node's interceptor defines a property with no `value` as undefined: the value is always given.
    defineProperty(g, key, { value: desc.value, writable: false, enumerable: desc.enumerable === true, configurable: false })
    if (key === 'globalThis' || key === 'console') continue
    const pair = overrideAccessors(sharedGlobal, key, desc.value)
    defineProperty(sharedGlobal, key, { get: freeze(pair.get), set: freeze(pair.set), enumerable: desc.enumerable === true, configurable: false })
    if (typeof key === 'string' && NOT_PARAMETERS.indexOf(key) < 0 && IDENTIFIER.test(key)) {
      names.push(key)
      values.push(desc.value)
    }
  }
  freeze(sharedGlobal)

  // ---- after each invocation ---------------------------------------------------------------------------------------
  const baseKeys = new RealmSet<PropertyKey>(ownKeys(g))
  const baseCount = baseKeys.size
  const baseProto = getPrototypeOf(g) as object | null
  function restore (): boolean {
    try {
      if (getPrototypeOf(g) !== baseProto) setPrototypeOf(g, baseProto)
      if (getPrototypeOf(g) !== baseProto) return false
      let keys = ownKeys(g)
      // The bindings lockdown knows are non-configurable: a count unchanged means nothing was added.
      if (keys.length === baseCount) return true
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as PropertyKey
        if (apply(setHas, baseKeys, [key]) !== true) delete g[key]
      }
      keys = ownKeys(g)
      return keys.length === baseCount
    } catch {
      // A non-configurable binding was added (Object.defineProperty on the sloppy `this`): it cannot be removed.
      return false
    }
  }

  function overridden (getter: unknown): unknown {
    return (typeof getter === 'function') ? apply(weakMapGet, overrideValues, [getter]) : undefined
  }

  return { names, values, sharedGlobal, restore, overridden }
}
