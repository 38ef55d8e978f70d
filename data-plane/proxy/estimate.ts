import type { TokenCounts } from './call.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const LOWER_U = 0x75;

/**
 * Counts the characters of every string value of the given keys in raw JSON bytes. A key
 * cannot match inside a string value, where its quotes would be escaped. An escape sequence
 * counts as one character and UTF-8 continuation bytes are skipped, so the count is in code
 * points; a string cut off by the end of `raw` is counted up to the cut.
 */
export function countStringValues(raw: Uint8Array, keys: readonly Buffer[]): number {
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

/** The search keys for the string values of these JSON fields, e.g. `jsonKeys('text')` → `"text":`. */
export function jsonKeys(...names: string[]): readonly Buffer[] {
  return names.map((name) => Buffer.from(`"${name}":`));
}

/**
 * Tokens estimated from characters, for a call whose provider reported no usage (an
 * aborted or cut answer): about four characters a token, the usual rule for English.
 */
export function estimateTokens(inputChars: number, outputChars: number): TokenCounts {
  return { inputTokens: Math.ceil(inputChars / 4), cachedInputTokens: 0, outputTokens: Math.ceil(outputChars / 4), reasoningTokens: 0 };
}
