const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const LOWER_U = 0x75;

// The string fields that carry generated output: text, tool-call arguments, thinking.
const DELTA_KEYS = ['"text":', '"partial_json":', '"thinking":'].map((key) => Buffer.from(key));
// A Message body's text and thinking blocks (tool inputs there are objects, not strings).
const BODY_KEYS = ['"text":', '"thinking":'].map((key) => Buffer.from(key));

/**
 * Characters of generated output in one raw `content_block_delta` event (`text_delta`,
 * `input_json_delta`, `thinking_delta`), counted straight from the bytes: the proxy
 * estimates the output of a cut stream without parsing each delta or holding its text.
 */
export function countDeltaChars(raw: Uint8Array): number {
  return countStringValues(raw, DELTA_KEYS);
}

/** Characters of the text and thinking blocks in a (possibly cut) non-streamed Message body. */
export function countMessageBodyChars(raw: Uint8Array): number {
  return countStringValues(raw, BODY_KEYS);
}

/**
 * Counts the characters of every string value of the given keys in raw JSON bytes. A key
 * cannot match inside a string value, where its quotes would be escaped. An escape sequence
 * counts as one character and UTF-8 continuation bytes are skipped, so the count is in code
 * points; a string cut off by the end of `raw` is counted up to the cut.
 */
function countStringValues(raw: Uint8Array, keys: readonly Buffer[]): number {
  // A Buffer view (no copy) gives the native substring search.
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  for (const key of keys) {
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(key, from);
      if (at === -1) break;
      let i = at + key.length;
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
  return total;
}
