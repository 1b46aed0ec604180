import { compileSource, type CompileResult } from './compile-source.js'

export interface CompileTask {
  source: string
  filePath: string
}

/** The piscina worker: a thin adapter, so parsing and transforming large sources never block the event loop. */
export default function compile ({ source, filePath }: CompileTask): CompileResult {
  return compileSource(source, filePath)
}
