import { createSseEventSplitter, type SseEvent } from '../../proxy/sse.js';
import { countContentChars } from './content-chars.js';
import { parseJsonObject } from '../../../shared/json.js';

/** Token usage as reported by OpenAI chat completions (`usage` of the final stream chunk). */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** Options for {@link createOpenAIStreamUsageFilter}. */
export interface OpenAIStreamUsageFilterOptions {
  /**
   * True when the gateway added `stream_options.include_usage` for its own accounting
   * and the client did not ask for it: the client must then see the stream OpenAI
   * would have sent without it (no usage-only chunk, no `usage` key on chunks).
   */
  stripUsageChunk: boolean;
}

/** Stream stage returned by {@link createOpenAIStreamUsageFilter}. */
export interface OpenAIStreamUsageFilter {
  /**
   * Feeds an upstream chunk and returns the bytes to send to the client now: the chunk
   * itself when nothing can change, otherwise zero or more pieces to write in order.
   */
  transform(chunk: Uint8Array): Uint8Array[] | Uint8Array;
  /** Ends the stream; returns any bytes still held back (possibly empty). */
  flush(): Uint8Array;
  /** The last usage seen so far, or null if the stream carried none. */
  usage(): OpenAIUsage | null;
  /**
   * Characters of `content` strings seen so far (counted, never kept), for estimating the
   * output tokens of a stream that ends without usage.
   */
  contentChars(): number;
}

const encoder = new TextEncoder();
const USAGE_KEY = encoder.encode('"usage"');
const USAGE_NULL = encoder.encode('"usage":null');
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const EMPTY = new Uint8Array(0);

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first ?? 0, from); i !== -1 && i <= last; i = haystack.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function startsWithAt(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let j = 0; j < needle.length; j++) {
    if (haystack[at + j] !== needle[j]) return false;
  }
  return true;
}

function concatTwo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function toUsage(value: unknown): OpenAIUsage | null {
  if (typeof value !== 'object' || value === null) return null;
  const usage = value as Record<string, unknown>;
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return null;
  const total = typeof usage.total_tokens === 'number' ? usage.total_tokens : prompt + completion;
  // Keep unknown detail fields (audio tokens, predictions, ...) for whoever logs the usage.
  return { ...(usage as unknown as OpenAIUsage), total_tokens: total };
}

/**
 * Removes the member `"usage":null` at `at` together with one adjacent comma, leaving
 * every other byte (escapes, number formatting, line endings) exactly as upstream sent it.
 * Returns null when the surrounding bytes are not the compact form this handles.
 */
function cutUsageNull(raw: Uint8Array, at: number): Uint8Array | null {
  const before = raw[at - 1];
  const end = at + USAGE_NULL.length;
  const after = raw[end];
  if (before === COMMA && (after === COMMA || after === CLOSE_BRACE)) {
    return concatTwo(raw.subarray(0, at - 1), raw.subarray(end));
  }
  if (before === OPEN_BRACE && after === COMMA) return concatTwo(raw.subarray(0, at), raw.subarray(end + 1));
  if (before === OPEN_BRACE && after === CLOSE_BRACE) return concatTwo(raw.subarray(0, at), raw.subarray(end));
  return null;
}

function detectLineEnding(raw: Uint8Array): string {
  const lf = raw.indexOf(0x0a);
  const cr = raw.indexOf(0x0d);
  if (cr === -1) return '\n';
  if (lf === cr + 1) return '\r\n';
  return lf !== -1 && lf < cr ? '\n' : '\r';
}

/** Rebuilds an event around re-serialised data; only `event:` survives besides `data:`. */
function reserialise(event: SseEvent, payload: Record<string, unknown>): Uint8Array {
  const eol = detectLineEnding(event.raw);
  const name = event.event;
  const head = name === undefined ? '' : `event: ${name}${eol}`;
  return encoder.encode(`${head}data: ${JSON.stringify(payload)}${eol}${eol}`);
}

/**
 * Creates a pass-through stage for an OpenAI chat-completions SSE stream that records
 * the token usage and, if asked, hides the usage the gateway requested on the client's
 * behalf.
 *
 * Only events whose bytes contain `"usage"` are decoded and parsed; everything else is
 * forwarded untouched. Without stripping, upstream chunks are returned as-is, so the
 * stage adds no buffering. With stripping, complete events are forwarded as soon as they
 * are complete; the final usage-only chunk (`choices: []`, non-null `usage`) is dropped
 * and the `usage` key is removed from other chunks, cutting the bytes out directly in
 * the common compact `"usage":null` case and re-serialising the JSON otherwise.
 *
 * @param options see {@link OpenAIStreamUsageFilterOptions}.
 * @returns the filter; call `transform` per chunk, `flush` at the end, then `usage`.
 */
export function createOpenAIStreamUsageFilter(options: OpenAIStreamUsageFilterOptions): OpenAIStreamUsageFilter {
  const splitter = createSseEventSplitter();
  const strip = options.stripUsageChunk;
  let lastUsage: OpenAIUsage | null = null;
  let contentChars = 0;

  function record(value: unknown): void {
    const usage = toUsage(value);
    if (usage !== null) lastUsage = usage;
  }

  /** Returns the bytes to forward for one event, or null to drop it. */
  function process(event: SseEvent): Uint8Array | null {
    const raw = event.raw;
    contentChars += countContentChars(raw);
    const first = indexOfBytes(raw, USAGE_KEY);
    if (first === -1) return raw;
    // A lone compact `"usage":null` proves there is no usage to record, so the JSON need
    // not be parsed at all; with include_usage that is every chunk but the last.
    const onlyNull = indexOfBytes(raw, USAGE_KEY, first + 1) === -1 && startsWithAt(raw, USAGE_NULL, first);
    if (!strip) {
      if (!onlyNull) {
        const payload = parseJsonObject(event.data);
        if (payload !== null) record(payload.usage);
      }
      return raw;
    }

    const payload = parseJsonObject(event.data);
    if (payload === null || !Object.hasOwn(payload, 'usage')) return raw;
    const usage = payload.usage;
    if (usage !== null) {
      record(usage);
      if (Array.isArray(payload.choices) && payload.choices.length === 0) return null;
    }
    // An unterminated tail is forwarded as-is: rebuilding it would invent a terminator.
    if (!event.complete) return raw;
    if (usage === null && onlyNull) {
      const cut = cutUsageNull(raw, first);
      if (cut !== null) return cut;
    }
    delete payload.usage;
    return reserialise(event, payload);
  }

  function transform(chunk: Uint8Array): Uint8Array[] | Uint8Array {
    const events = splitter.push(chunk);
    if (!strip) {
      for (const event of events) process(event);
      return chunk;
    }
    const out: Uint8Array[] = [];
    for (const event of events) {
      const bytes = process(event);
      if (bytes === null || bytes.length === 0) continue;
      const previous = out[out.length - 1];
      // Merge neighbouring views of the same chunk so an unchanged chunk is written once.
      if (
        previous !== undefined &&
        previous.buffer === bytes.buffer &&
        previous.byteOffset + previous.byteLength === bytes.byteOffset
      ) {
        out[out.length - 1] = new Uint8Array(previous.buffer, previous.byteOffset, previous.byteLength + bytes.byteLength);
      } else {
        out.push(bytes);
      }
    }
    return out;
  }

  function flush(): Uint8Array {
    const events = splitter.flush();
    if (!strip) {
      for (const event of events) process(event);
      return EMPTY;
    }
    const parts: Uint8Array[] = [];
    for (const event of events) {
      const bytes = process(event);
      if (bytes !== null) parts.push(bytes);
    }
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1 && parts[0] !== undefined) return parts[0];
    return parts.reduce(concatTwo);
  }

  return { transform, flush, usage: () => lastUsage, contentChars: () => contentChars };
}
