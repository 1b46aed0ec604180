import { Worker } from 'node:worker_threads'

export interface RemoteFetchResult {
  status?: number
  text?: string
  /** `fetch failed`'s cause code (EPIPE, ECONNRESET…) when the client never read an answer. */
  error?: string
}

/**
 * Runs Node's global fetch (undici) in a worker thread: a client with an event loop of its own, as a real client
 * has. In the service's own loop the server's reads, writes and close and the client's are interleaved so kindly
 * that a server closing on a client still writing never shows; from another loop (or process) it does.
 * `body` is `bytes` bytes of 'x', sent with Content-Length, or with `chunked` as a ReadableStream (duplex 'half')
 * of 64 KiB chunks, which undici sends chunked.
 */
export function remoteFetch (url: string, opts: { method: string, bytes: number, chunked?: boolean, headers?: Record<string, string> }): Promise<RemoteFetchResult> {
  const code = `
const { parentPort, workerData: { url, method, bytes, chunked, headers } } = require('node:worker_threads')
const CHUNK = 64 * 1024
let sent = 0
const body = chunked
  ? new ReadableStream({
    pull (c) {
      const n = Math.min(CHUNK, bytes - sent)
      if (n <= 0) { c.close(); return }
      sent += n
      c.enqueue(new Uint8Array(n).fill(120))
    }
  })
  : Buffer.alloc(bytes, 120)
fetch(url, { method, headers, body, ...(chunked ? { duplex: 'half' } : {}) })
  .then(async (res) => { parentPort.postMessage({ status: res.status, text: await res.text() }) })
  .catch((err) => { parentPort.postMessage({ error: String(err.cause?.code ?? err.cause?.message ?? err.message) }) })
`
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { url, ...opts, chunked: opts.chunked === true, headers: opts.headers ?? {} } })
    worker.once('message', (result: RemoteFetchResult) => { resolve(result); void worker.terminate() })
    worker.once('error', reject)
  })
}
