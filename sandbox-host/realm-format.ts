/**
 * console formatting that runs INSIDE the sandbox realm. Node's util.format/util.inspect would run user code
 * (getters are skipped, but Proxy traps, `nodejs.util.inspect.custom` and toString are not) with host-realm objects
 * as arguments, which is a classic vm escape. So this is a small re-implementation of util.format's output for the
 * common cases, evaluated in the realm, touching only realm objects.
 *
 * `createRealmFormatter` must stay self-contained: its source text (Function#toString) is run inside each context,
 * so it may not refer to anything outside its own body.
 */
export function createRealmFormatter (overridden?: (getter: unknown) => unknown): (args: unknown[]) => string {
  'use strict'
  const ObjectKeys = Object.keys
  const getOwnPropertyNames = Object.getOwnPropertyNames
  const getOwnPropertySymbols = Object.getOwnPropertySymbols
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor
  const getPrototypeOf = Object.getPrototypeOf
  const isArray = Array.isArray
  const stringify = JSON.stringify
  const FunctionToString = Function.prototype.toString
  const DateToISOString = Date.prototype.toISOString
  const DateGetTime = Date.prototype.getTime
  const RegExpToString = RegExp.prototype.toString
  const SymbolToString = Symbol.prototype.toString
  const MapEntries = Map.prototype.entries
  const SetValues = Set.prototype.values
  const MapSize = getOwnPropertyDescriptor(Map.prototype, 'size')?.get as (this: Map<unknown, unknown>) => number
  const SetSize = getOwnPropertyDescriptor(Set.prototype, 'size')?.get as (this: Set<unknown>) => number
  const TypedArrayProto = getPrototypeOf(Uint8Array.prototype) as object
  const TypedArrayLength = getOwnPropertyDescriptor(TypedArrayProto, 'length')?.get as (this: unknown) => number
  const TypedArrayName = getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)?.get as (this: unknown) => string | undefined
  const apply = Reflect.apply
  const numberIsNaN = Number.isNaN
  const mathMax = Math.max
  const mathMin = Math.min
  const mathSqrt = Math.sqrt
  const mathRound = Math.round
  const mathFloor = Math.floor
  const StringCtor = String
  const NumberCtor = Number
  const parseIntFn = parseInt
  const parseFloatFn = parseFloat
  const ErrorProto = Error.prototype
  const MapProto = Map.prototype
  const SetProto = Set.prototype
  const DateProto = Date.prototype
  const RegExpProto = RegExp.prototype
  const ObjectProto = Object.prototype
  const ArrayProto = Array.prototype
  const BREAK_LENGTH = 80
  const COMPACT = 3
  const MAX_ARRAY = 100
  const IDENT = /^[a-zA-Z_][a-zA-Z_0-9]*$/

  interface Ctx { seen: object[], circular: Map<object, number>, indentationLvl: number, currentDepth: number, depth: number }

  function protoChainHas (value: object, proto: object): boolean {
    let p: unknown = value
    for (let i = 0; i < 1000 && p !== null && p !== undefined; i++) {
      p = getPrototypeOf(p)
      if (p === proto) return true
    }
    return false
  }

  function join (items: string[], sep: string): string {
    let out = ''
    for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : sep) + items[i]
    return out
  }

  function repeat (s: string, n: number): string {
    let out = ''
    for (let i = 0; i < n; i++) out += s
    return out
  }

  function quote (s: string): string {
    let q = "'"
    if (s.includes("'")) {
      if (!s.includes('"')) q = '"'
      else if (!s.includes('`') && !s.includes('${')) q = '`'
    }
    let out = ''
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string
      const code = s.charCodeAt(i)
      if (c === q || c === '\\') out += '\\' + c
      else if (c === '\n') out += '\\n'
      else if (c === '\t') out += '\\t'
      else if (c === '\r') out += '\\r'
      else if (c === '\b') out += '\\b'
      else if (c === '\f') out += '\\f'
      else if (c === '\v') out += '\\v'
      else if (code < 0x20 || code === 0x7f) out += '\\x' + (code < 16 ? '0' : '') + code.toString(16).toUpperCase()
      else out += c
    }
    return q + out + q
  }

  function formatNumber (n: number): string {
    return n === 0 && 1 / n < 0 ? '-0' : '' + n
  }

  function formatPrimitive (value: unknown): string {
    switch (typeof value) {
      case 'string': return quote(value)
      case 'number': return formatNumber(value)
      case 'bigint': return `${value}n`
      case 'boolean': return value ? 'true' : 'false'
      case 'undefined': return 'undefined'
      case 'symbol': return apply(SymbolToString, value, []) as string
      default: return 'null'
    }
  }

  function functionBase (fn: Function): string {
    let source = ''
    try { source = apply(FunctionToString, fn, []) as string } catch {}
    let name = ''
    const desc = getOwnPropertyDescriptor(fn, 'name')
    if (desc !== undefined && typeof desc.value === 'string') name = desc.value
    if (source.startsWith('class') && /^class\s*[{\s\w$]/.test(source)) return name === '' ? '[class (anonymous)]' : `[class ${name}]`
    let kind = 'Function'
    if (source.startsWith('async function*') || source.startsWith('async *')) kind = 'AsyncGeneratorFunction'
    else if (source.startsWith('async')) kind = 'AsyncFunction'
    else if (source.startsWith('function*') || /^\*/.test(source)) kind = 'GeneratorFunction'
    return name === '' ? `[${kind} (anonymous)]` : `[${kind}: ${name}]`
  }

  function constructorName (obj: object): string | null {
    let p: unknown = obj
    for (let i = 0; i < 1000 && p !== null && p !== undefined; i++) {
      const desc = getOwnPropertyDescriptor(p, 'constructor')
      // A frozen built-in's `constructor` is an accessor after lockdown (realm-lockdown.ts): its value is asked for.
      const ctor: unknown = desc === undefined ? undefined : desc.get !== undefined && overridden !== undefined ? overridden(desc.get) : desc.value
      if (typeof ctor === 'function') {
        const n = getOwnPropertyDescriptor(ctor, 'name')
        if (n !== undefined && typeof n.value === 'string' && n.value !== '') return n.value
      }
      p = getPrototypeOf(p)
    }
    return null
  }

  function formatKey (key: string | symbol): string {
    if (typeof key === 'symbol') return `[${apply(SymbolToString, key, []) as string}]`
    return IDENT.test(key) ? key : quote(key)
  }

  function formatProperty (ctx: Ctx, obj: object, key: string | symbol, recurseTimes: number, isArrayEntry: boolean): string {
    const desc = getOwnPropertyDescriptor(obj, key)
    if (desc === undefined) return ''
    let str: string
    if ('value' in desc) {
      ctx.indentationLvl += 2
      str = formatValue(ctx, desc.value, recurseTimes)
      ctx.indentationLvl -= 2
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]'
    } else {
      str = desc.set !== undefined ? '[Setter]' : 'undefined'
    }
    return isArrayEntry ? str : `${formatKey(key)}: ${str}`
  }

  function groupArrayElements (ctx: Ctx, output: string[], value: unknown[] | null): string[] {
    let totalLength = 0
    let maxLength = 0
    let outputLength = output.length
    if (value !== null && value.length > MAX_ARRAY && outputLength > MAX_ARRAY) outputLength--
    const separatorSpace = 2
    const dataLen: number[] = []
    for (let i = 0; i < outputLength; i++) {
      const len = (output[i] as string).length
      dataLen[i] = len
      totalLength += len + separatorSpace
      if (maxLength < len) maxLength = len
    }
    const actualMax = maxLength + separatorSpace
    if (actualMax * 3 + ctx.indentationLvl < BREAK_LENGTH && (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = mathSqrt(actualMax - totalLength / output.length)
      const biasedMax = mathMax(actualMax - 3 - averageBias, 1)
      const columns = mathMin(
        mathRound(mathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
        mathFloor((BREAK_LENGTH - ctx.indentationLvl) / actualMax),
        COMPACT * 4,
        15
      )
      if (columns <= 1) return output
      const tmp: string[] = []
      const maxLineLength: number[] = []
      for (let i = 0; i < columns; i++) {
        let lineLength = 0
        for (let j = i; j < output.length; j += columns) if ((dataLen[j] ?? 0) > lineLength) lineLength = dataLen[j] as number
        maxLineLength.push(lineLength + separatorSpace)
      }
      let padStart = true
      if (value !== null) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') { padStart = false; break }
        }
      }
      const pad = (s: string, width: number): string => {
        const fill = width > s.length ? repeat(' ', width - s.length) : ''
        return padStart ? fill + s : s + fill
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = mathMin(i + columns, outputLength)
        let str = ''
        let j = i
        for (; j < max - 1; j++) str += pad(`${output[j] as string}, `, maxLineLength[j - i] as number)
        str += padStart ? pad(output[j] as string, (maxLineLength[j - i] as number) - separatorSpace) : output[j] as string
        tmp.push(str)
      }
      if (outputLength < output.length) tmp.push(output[outputLength] as string)
      return tmp
    }
    return output
  }

  function reduceToSingleString (ctx: Ctx, output: string[], base: string, braces: [string, string], isArrayLike: boolean, recurseTimes: number, value: unknown[] | null): string {
    const entries = output.length
    if (isArrayLike && entries > 6) output = groupArrayElements(ctx, output, value)
    if (ctx.currentDepth - recurseTimes < COMPACT && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10
      let totalLength = output.length + start
      let fits = totalLength + output.length <= BREAK_LENGTH
      for (let i = 0; fits && i < output.length; i++) {
        totalLength += (output[i] as string).length
        if (totalLength > BREAK_LENGTH) fits = false
      }
      if (fits && !base.includes('\n')) {
        const joined = join(output, ', ')
        if (!joined.includes('\n')) return `${base === '' ? '' : base + ' '}${braces[0]} ${joined} ${braces[1]}`
      }
    }
    const indentation = '\n' + repeat(' ', ctx.indentationLvl)
    return `${base === '' ? '' : base + ' '}${braces[0]}${indentation}  ${join(output, ',' + indentation + '  ')}${indentation}${braces[1]}`
  }

  function formatError (err: object): string {
    const stack = getOwnPropertyDescriptor(err, 'stack')
    if (stack !== undefined && typeof stack.value === 'string' && stack.value !== '') return stack.value
    let name = 'Error'
    let message = ''
    try {
      const n = (err as { name?: unknown }).name
      const m = (err as { message?: unknown }).message
      if (typeof n === 'string') name = n
      if (typeof m === 'string') message = m
    } catch {}
    return message === '' ? `[${name}]` : `[${name}: ${message}]`
  }

  function formatValue (ctx: Ctx, value: unknown, recurseTimes: number): string {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return formatPrimitive(value)
    const obj = value as object
    if (ctx.seen.includes(obj)) {
      let index = ctx.circular.get(obj)
      if (index === undefined) {
        index = ctx.circular.size + 1
        ctx.circular.set(obj, index)
      }
      return `[Circular *${index}]`
    }
    return formatRaw(ctx, obj, recurseTimes)
  }

  function formatRaw (ctx: Ctx, value: object, recurseTimes: number): string {
    let keys: Array<string | symbol> = ObjectKeys(value)
    const symbols = getOwnPropertySymbols(value)
    for (let i = 0; i < symbols.length; i++) {
      const d = getOwnPropertyDescriptor(value, symbols[i] as symbol)
      if (d !== undefined && d.enumerable === true) keys.push(symbols[i] as symbol)
    }
    const ctorName = constructorName(value)
    const proto = getPrototypeOf(value)
    let base = ''
    let braces: [string, string] = ['{', '}']
    let isArrayLike = false
    let arrayValue: unknown[] | null = null
    const output: string[] = []
    let entriesFn: (() => void) | null = null
    const prefix = (fallback: string, size?: number): string => {
      const name = ctorName ?? (proto === null ? `[${fallback}: null prototype]` : fallback)
      return size === undefined ? name : `${name}(${size})`
    }

    if (typeof value === 'function') {
      base = functionBase(value)
      if (keys.length === 0) return base
    } else if (isArray(value)) {
      const arr = value as unknown[]
      arrayValue = arr
      isArrayLike = true
      keys = keys.filter((k) => typeof k === 'symbol' || !/^(0|[1-9][0-9]*)$/.test(k))
      const name = ctorName === 'Array' ? '' : prefix('Array', arr.length) + ' '
      braces = [`${name}[`, ']']
      if (arr.length === 0 && keys.length === 0) return `${braces[0]}]`
      entriesFn = () => {
        let holes = 0
        const shown = mathMin(arr.length, MAX_ARRAY)
        for (let i = 0; i < shown; i++) {
          if (getOwnPropertyDescriptor(arr, i) === undefined) { holes++; continue }
          if (holes > 0) { output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`); holes = 0 }
          output.push(formatProperty(ctx, arr, '' + i, recurseTimes, true))
        }
        if (holes > 0) output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`)
        if (arr.length > shown) output.push(`... ${arr.length - shown} more item${arr.length - shown > 1 ? 's' : ''}`)
      }
    } else if (protoChainHas(value, MapProto)) {
      const size = apply(MapSize, value, []) as number
      braces = [`${prefix('Map', size)} {`, '}']
      if (size === 0 && keys.length === 0) return `${braces[0]}}`
      entriesFn = () => {
        const it = apply(MapEntries, value, []) as IterableIterator<[unknown, unknown]>
        ctx.indentationLvl += 2
        for (const [k, v] of it) output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`)
        ctx.indentationLvl -= 2
      }
    } else if (protoChainHas(value, SetProto)) {
      const size = apply(SetSize, value, []) as number
      braces = [`${prefix('Set', size)} {`, '}']
      isArrayLike = false
      if (size === 0 && keys.length === 0) return `${braces[0]}}`
      entriesFn = () => {
        const it = apply(SetValues, value, []) as IterableIterator<unknown>
        ctx.indentationLvl += 2
        for (const v of it) output.push(formatValue(ctx, v, recurseTimes))
        ctx.indentationLvl -= 2
      }
    } else if (protoChainHas(value, TypedArrayProto)) {
      const length = apply(TypedArrayLength, value, []) as number
      const tag = apply(TypedArrayName, value, []) as string | undefined
      braces = [`${ctorName ?? tag ?? 'TypedArray'}(${length}) [`, ']']
      isArrayLike = true
      keys = keys.filter((k) => typeof k === 'symbol' || !/^(0|[1-9][0-9]*)$/.test(k))
      if (length === 0 && keys.length === 0) return `${braces[0]}]`
      entriesFn = () => {
        const view = value as unknown as ArrayLike<number | bigint>
        const shown = mathMin(length, MAX_ARRAY)
        for (let i = 0; i < shown; i++) output.push(typeof view[i] === 'bigint' ? `${view[i] as bigint}n` : formatNumber(view[i] as number))
        if (length > shown) output.push(`... ${length - shown} more item${length - shown > 1 ? 's' : ''}`)
      }
    } else if (protoChainHas(value, DateProto)) {
      const t = apply(DateGetTime, value, []) as number
      base = numberIsNaN(t) ? 'Invalid Date' : apply(DateToISOString, value, []) as string
      if (keys.length === 0) return base
    } else if (protoChainHas(value, RegExpProto)) {
      try { base = apply(RegExpToString, value, []) as string } catch { base = '/(?:)/' }
      if (keys.length === 0) return base
    } else if (protoChainHas(value, ErrorProto)) {
      base = formatError(value)
      keys = keys.filter((k) => k !== 'stack' && k !== 'message')
      if (keys.length === 0) return base
    } else {
      if (proto === null) braces = ['[Object: null prototype] {', '}']
      else if (ctorName !== 'Object' || (proto !== ObjectProto && ctorName === 'Object' && protoChainHas(value, ArrayProto))) {
        braces = [`${ctorName ?? 'Object'} {`, '}']
      }
      if (keys.length === 0) return `${braces[0]}}`
    }

    if (recurseTimes > ctx.depth) {
      const name = ctorName ?? 'Object'
      return isArray(value) ? '[Array]' : `[${name}]`
    }
    recurseTimes++
    ctx.seen.push(value)
    ctx.currentDepth = recurseTimes
    try {
      if (entriesFn !== null) entriesFn()
      for (let i = 0; i < keys.length; i++) output.push(formatProperty(ctx, value, keys[i] as string | symbol, recurseTimes, false))
    } finally {
      ctx.seen.pop()
    }
    let result = reduceToSingleString(ctx, output, base, braces, isArrayLike, recurseTimes, arrayValue)
    const index = ctx.circular.get(value)
    if (index !== undefined) result = `<ref *${index}> ${result}`
    return result
  }

  function inspect (value: unknown, depth = 2): string {
    return formatValue({ seen: [], circular: new Map(), indentationLvl: 0, currentDepth: 0, depth }, value, 0)
  }

  function hasOwnToString (value: object): boolean {
    let p: unknown = value
    for (let i = 0; i < 1000 && p !== null && p !== undefined && p !== ObjectProto && p !== ErrorProto && p !== ArrayProto; i++) {
      if (getOwnPropertyNames(p).includes('toString')) return true
      p = getPrototypeOf(p)
    }
    return false
  }

  function formatS (value: unknown): string {
    if (typeof value === 'bigint') return `${value}n`
    if (typeof value === 'number') return formatNumber(value)
    if (typeof value === 'symbol') return apply(SymbolToString, value, []) as string
    if (typeof value === 'object' && value !== null) {
      if (protoChainHas(value, ErrorProto) && !hasOwnToString(value)) return formatError(value)
      if (!hasOwnToString(value)) return inspect(value, 0)
    }
    return StringCtor(value)
  }

  function formatJ (value: unknown): string {
    try {
      return StringCtor(stringify(value))
    } catch (err) {
      const message = (err as { message?: unknown } | null)?.message
      if (typeof message === 'string' && message.includes('circular')) return '[Circular]'
      throw err
    }
  }

  return function format (args: unknown[]): string {
    const first = args[0]
    let str = ''
    let a = 0
    if (typeof first === 'string') {
      if (args.length === 1) return first
      a = 1
      let last = 0
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue // '%'
        const c = first[i + 1]
        if (c === '%') {
          str += first.slice(last, i) + '%'
          last = i + 2
          i++
          continue
        }
        if (a >= args.length) continue
        let piece: string | undefined
        switch (c) {
          case 's': piece = formatS(args[a]); break
          case 'j': piece = formatJ(args[a]); break
          case 'd': {
            const v = args[a]
            piece = typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? 'NaN' : formatNumber(NumberCtor(v))
            break
          }
          case 'i': {
            const v = args[a]
            piece = typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? 'NaN' : formatNumber(parseIntFn(v as string))
            break
          }
          case 'f': piece = typeof args[a] === 'symbol' ? 'NaN' : formatNumber(parseFloatFn(args[a] as string)); break
          case 'o': piece = inspect(args[a], 4); break
          case 'O': piece = inspect(args[a]); break
          case 'c': piece = ''; break
        }
        if (piece === undefined) continue
        str += first.slice(last, i) + piece
        last = i + 2
        i++
        a++
      }
      str += first.slice(last)
    }
    for (; a < args.length; a++) {
      const v = args[a]
      str += (str === '' && a === 0 ? '' : ' ') + (typeof v === 'string' ? v : inspect(v))
    }
    return str
  }
}
