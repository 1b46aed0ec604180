/**
 * Bytes of UTF-8 kept of text a function controls that the front writes into a response or a log line: an error's
 * message (which carries error.name and whatever was thrown), a header name echoed in an error, a sandbox host's
 * stray output. A function that throws a 16 MiB string must not get a 16 MiB error response nor write a 16 MiB
 * log line. 4 KiB holds any real message and a useful head of an accidental dump.
 */
export const MAX_MESSAGE_BYTES = 4096

/** The mark boundText appends, and the most bytes it can take (N has at most 16 digits). */
const MARK = / … \[truncated, \d+ bytes\]$/
const MARK_MAX_BYTES = 40

/**
 * `text` when its UTF-8 fits in `maxBytes`; otherwise its longest head that fits, cut on a character boundary
 * (never inside a UTF-8 sequence or a surrogate pair), followed by ` … [truncated, N bytes]`, N being the whole
 * text's UTF-8 length: a reader sees that it was cut and how much there was. The marker is not counted in
 * `maxBytes` (it adds at most MARK_MAX_BYTES), and a text boundText already cut is returned as it is.
 */
export function boundText (text: string, maxBytes = MAX_MESSAGE_BYTES): string {
  // Each UTF-16 unit is 1 to 3 bytes of UTF-8: short enough in units and bytes alike is the common, cheap case.
  if (text.length <= maxBytes / 3) return text
  const total = Buffer.byteLength(text)
  if (total <= maxBytes) return text
  // Already bounded on its way here (the front bounds at the IPC boundary and again where it answers): never cut twice.
  if (total <= maxBytes + MARK_MAX_BYTES) {
    const mark = MARK.exec(text)
    if (mark !== null && total - Buffer.byteLength(mark[0]) <= maxBytes) return text
  }
  // maxBytes units are at least maxBytes bytes: encode only that head, not the whole text.
  let head = text.slice(0, maxBytes)
  // A high surrogate whose pair was sliced off would encode as U+FFFD: drop it.
  const last = head.charCodeAt(head.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1)
  const bytes = Buffer.from(head, 'utf8')
  let end = Math.min(maxBytes, bytes.length)
  // Back off continuation bytes (10xxxxxx) to the start of the sequence the cut fell in, if it did.
  if (end < bytes.length) while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--
  return `${bytes.subarray(0, end).toString('utf8')} … [truncated, ${total} bytes]`
}
