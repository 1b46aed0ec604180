import { transform } from 'sucrase'

/** Maps a 0-based column on a line of the stripped code to the column on the same line of the TypeScript source. */
export type ColumnMap = (line: number, column: number) => number

export type StripResult =
  | { ok: true, code: string, toSourceColumn: ColumnMap }
  | { ok: false, error: unknown }

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Decodes a source map's `mappings` into, per generated line, its [generatedColumn, sourceColumn] pairs. */
function decodeMappings (mappings: string): Array<Array<[number, number]>> {
  const lines: Array<Array<[number, number]>> = []
  let sourceColumn = 0
  for (const line of mappings.split(';')) {
    const segments: Array<[number, number]> = []
    let generatedColumn = 0
    for (const segment of line.split(',')) {
      if (segment === '') continue
      const fields: number[] = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = BASE64.indexOf(char)
        value += (digit & 31) << shift
        if ((digit & 32) !== 0) { shift += 5; continue }
        fields.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1)
        value = 0
        shift = 0
      }
      generatedColumn += fields[0] ?? 0
      // fields: generated column, source index, source line, source column (all relative but the first per line).
      if (fields.length >= 4) {
        sourceColumn += fields[3] ?? 0
        segments.push([generatedColumn, sourceColumn])
      }
    }
    lines.push(segments)
  }
  return lines
}

/**
 * Strips TypeScript types with sucrase (enums and parameter properties become JavaScript; imports stay, so that they
 * are refused like any other). Sucrase keeps every line but not every column, so positions found in the stripped
 * code are mapped back through sucrase's token-level source map: a refusal then points into the user's own source.
 */
export function stripTypes (source: string): StripResult {
  let result: ReturnType<typeof transform>
  try {
    result = transform(source, {
      transforms: ['typescript'],
      disableESTransforms: true,
      keepUnusedImports: true,
      filePath: 'function.ts',
      sourceMapOptions: { compiledFilename: 'function.js' }
    })
  } catch (error) {
    // With a filePath (which source maps need), sucrase prefixes its messages; the user knows which file they sent.
    if (error instanceof Error) error.message = error.message.replace(/^Error transforming function\.ts: /, '')
    return { ok: false, error }
  }
  const mappings = result.sourceMap?.mappings
  let decoded: Array<Array<[number, number]>> | undefined
  const toSourceColumn: ColumnMap = (line, column) => {
    if (mappings === undefined) return column
    decoded ??= decodeMappings(mappings)
    let best: [number, number] | undefined
    for (const segment of decoded[line - 1] ?? []) {
      if (segment[0] > column) break
      best = segment
    }
    return best === undefined ? column : best[1] + (column - best[0])
  }
  return { ok: true, code: result.code, toSourceColumn }
}
