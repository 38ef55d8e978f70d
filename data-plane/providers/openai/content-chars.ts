const CONTENT_KEY = Buffer.from('"content":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const LOWER_U = 0x75;

/**
 * Counts the characters of every `"content":"…"` string value in raw JSON bytes (a stream
 * chunk's `delta.content`, a completion's `message.content`) without parsing the JSON or
 * building a string, so the proxy can estimate output tokens of a stream that ends
 * without usage while never holding the completion text.
 *
 * An escape sequence counts as one character and UTF-8 continuation bytes are skipped,
 * so the count is the number of code points. Array-valued `content` (e.g. `logprobs.content`)
 * is ignored. A string cut off by the end of `raw` is counted up to the cut.
 */
export function countContentChars(raw: Uint8Array): number {
  // A Buffer view (no copy) gives the native substring search.
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  let from = 0;
  for (;;) {
    const at = bytes.indexOf(CONTENT_KEY, from);
    if (at === -1) return total;
    let i = at + CONTENT_KEY.length;
    while (bytes[i] === SPACE) i++;
    if (bytes[i] !== QUOTE) {
      from = i;
      continue;
    }
    i++;
    while (i < bytes.length) {
      const byte = bytes[i] ?? 0;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH) {
        i += bytes[i + 1] === LOWER_U ? 6 : 2;
        total++;
        continue;
      }
      if ((byte & 0xc0) !== 0x80) total++;
      i++;
    }
    from = i + 1;
  }
}
