import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/**
 * How long and how much of a refused body is read and dropped after its 413 (nginx's "lingering close"). Closing a
 * socket with unread bytes sends a TCP RST, and a client still writing its body (undici's fetch, curl without
 * `Expect`) then loses the 413 it had not read yet: it sees EPIPE/ECONNRESET instead. Reading on lets it read the
 * answer. A client that reads while it writes stops and closes as soon as it has the answer (undici does for a
 * buffer body), but undici sends a streamed body to its end first, so the byte bound is what it may send past the
 * refusal and still read its 413: 8 MiB, more than the default MAX_BODY_BYTES (6 MiB), so a body somewhat over it
 * gets its answer. The bounds cap what one refusal costs (bandwidth, a socket) against a client that never stops;
 * 5 s is nginx's lingering_timeout.
 */
export const LINGER_MS = 5000
export const LINGER_BYTES = 8 * 1024 * 1024

/**
 * Keeps reading and dropping the rest of `req`'s body after its answer, then closes: when the body ends, the client
 * closes, or LINGER_MS / LINGER_BYTES pass, whichever comes first. The answer must carry `Connection: close`: Node
 * then ends the socket with destroySoon() once the answer is written, which would destroy it with the body unread;
 * the socket's own destroySoon is replaced to half-close instead (FIN sent, still reading, as http.Server sockets
 * allow half-open) and the destroy waits for the linger to end.
 */
export function lingerThenClose (req: IncomingMessage): void {
  const socket = req.socket as Socket & { destroySoon: () => void }
  const destroySoon = socket.destroySoon
  let discarded = 0
  let answered = false
  let ended = false

  const end = (): void => {
    if (ended) return
    ended = true
    clearTimeout(timer)
    req.off('data', onData)
    req.off('end', end)
    req.off('close', end)
    socket.destroySoon = destroySoon
    // The answer written: close now (after the half-close is flushed). Not yet: Node's own close follows the answer.
    if (answered) socket.destroySoon()
  }
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length
    if (discarded > LINGER_BYTES) end()
  }
  const timer = setTimeout(end, LINGER_MS)
  socket.destroySoon = () => {
    answered = true
    if (socket.writable) socket.end()
  }
  req.on('data', onData)
  req.once('end', end)
  req.once('close', end)
  // A client that goes away mid-linger is the expected end, not a fault to report.
  req.on('error', () => {})
  // The body reader paused the request when it refused it; dropping bytes needs it flowing again.
  req.resume()
}
