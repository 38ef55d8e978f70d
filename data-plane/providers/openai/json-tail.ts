import type { StreamStage } from '../../proxy/stream.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const EMPTY = new Uint8Array(0);

/** Stream stage returned by {@link createJsonTailTap}. */
export interface JsonTailTap extends StreamStage {
  /**
   * The last `"name": {…}` member among the bytes kept, parsed; null when there is none
   * (or it was cut off). Meant for the flat summary objects providers put at the end of a
   * body, such as the `usage` of an embeddings list.
   */
  lastObjectMember(name: string): Record<string, unknown> | null;
}

/**
 * Creates a pass-through stage for a JSON body too large to hold or parse whole (an
 * embeddings list can be tens of megabytes): every chunk goes on unchanged the moment it
 * arrives, and only the last `keepBytes` are kept, to read a member at the end of the body.
 * A key cannot match inside a string value, where its quotes would be escaped.
 */
export function createJsonTailTap(keepBytes = 4096): JsonTailTap {
  let tail: Buffer = Buffer.alloc(0);
  return {
    transform(chunk) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // Copies, not views: the chunk's memory is not ours to keep.
      if (bytes.length >= keepBytes) tail = Buffer.from(bytes.subarray(bytes.length - keepBytes));
      else {
        const joined = Buffer.concat([tail, bytes]);
        tail = joined.length > keepBytes ? Buffer.from(joined.subarray(joined.length - keepBytes)) : joined;
      }
      return chunk;
    },
    flush: () => EMPTY,
    lastObjectMember(name) {
      const key = Buffer.from(JSON.stringify(name));
      for (let at = tail.lastIndexOf(key); at !== -1; at = at === 0 ? -1 : tail.lastIndexOf(key, at - 1)) {
        const value = objectAfterKey(tail, at + key.length);
        if (value !== null) return value;
      }
      return null;
    },
  };
}

/** The object value that follows a key ending at `from` (`: {…}`), parsed; null when there is no whole one. */
function objectAfterKey(bytes: Buffer, from: number): Record<string, unknown> | null {
  let i = skipSpace(bytes, from);
  if (bytes[i] !== COLON) return null;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] !== OPEN_BRACE) return null;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE) depth++;
    else if (byte === CLOSE_BRACE && --depth === 0) {
      try {
        const value: unknown = JSON.parse(bytes.toString('utf8', start, i + 1));
        return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

function skipSpace(bytes: Buffer, from: number): number {
  let i = from;
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return i;
}
