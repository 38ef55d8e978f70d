const LF = 0x0a;
const CR = 0x0d;

/** One event block cut from a Server-Sent-Events byte stream. */
export interface SseEvent {
  /**
   * The exact bytes of the block, including its blank-line terminator. May be a view
   * into the chunk given to `push`, so use it (and read `event`/`data`, which are parsed
   * from it on first access) before that chunk's memory is reused.
   */
  readonly raw: Uint8Array;
  /**
   * False only for the unterminated remainder returned by `flush`; per the SSE spec a
   * client would discard it, but its bytes are still needed for byte-exact forwarding.
   */
  readonly complete: boolean;
  /** Value of the last `event:` line, or undefined if the block has none. */
  readonly event: string | undefined;
  /** Values of all `data:` lines joined with `\n`; empty if the block has none. */
  readonly data: string;
}

/** Incremental splitter returned by {@link createSseEventSplitter}. */
export interface SseEventSplitter {
  /** Feeds the next chunk; returns the events it completed, in order. */
  push(chunk: Uint8Array): SseEvent[];
  /** Ends the stream; returns whatever was buffered (at most one complete and one incomplete event). */
  flush(): SseEvent[];
}

// Shared across events: decoding is stateless because each block is decoded whole.
// The default (ignoreBOM: false) drops a leading BOM, which the SSE spec requires at stream start.
const decoder = new TextDecoder('utf-8');

// Field parsing is deferred until someone reads `event` or `data`: the proxy only needs
// them for a few events per stream and forwards the rest as raw bytes.
class ParsedSseEvent implements SseEvent {
  readonly raw: Uint8Array;
  readonly complete: boolean;
  #event: string | undefined;
  #data = '';
  #parsed = false;

  constructor(raw: Uint8Array, complete: boolean) {
    this.raw = raw;
    this.complete = complete;
  }

  get event(): string | undefined {
    this.#parse();
    return this.#event;
  }

  get data(): string {
    this.#parse();
    return this.#data;
  }

  #parse(): void {
    if (this.#parsed) return;
    this.#parsed = true;
    const text = decoder.decode(this.raw);
    const dataLines: string[] = [];
    let lineStart = 0;
    while (lineStart < text.length) {
      let lineEnd = lineStart;
      while (lineEnd < text.length) {
        const code = text.charCodeAt(lineEnd);
        if (code === LF || code === CR) break;
        lineEnd++;
      }
      if (lineEnd === lineStart) {
        // The blank line that terminates the block.
        if (lineEnd < text.length) break;
      } else {
        this.#field(text.slice(lineStart, lineEnd), dataLines);
      }
      lineStart = lineEnd + 1;
      if (text.charCodeAt(lineEnd) === CR && text.charCodeAt(lineStart) === LF) lineStart++;
    }
    this.#data = dataLines.join('\n');
  }

  #field(line: string, dataLines: string[]): void {
    const colon = line.indexOf(':');
    if (colon === 0) return; // comment line
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = '';
    if (colon > 0) {
      const valueStart = line.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1;
      value = line.slice(valueStart);
    }
    if (name === 'data') dataLines.push(value);
    else if (name === 'event') this.#event = value;
  }
}

function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Creates an incremental splitter that cuts an SSE byte stream into event blocks.
 *
 * Bytes are never altered: the concatenated `raw` of everything returned by `push` and
 * `flush` equals the input, so a proxy can forward events byte-for-byte while inspecting
 * them. Each input byte is scanned once; only the unfinished tail of a chunk is copied.
 *
 * A block ending in a lone CR at the very end of a chunk is held until the next byte
 * (or `flush`), because that CR may be the first half of a CRLF split across chunks.
 *
 * @returns a splitter with `push` and `flush`.
 */
export function createSseEventSplitter(): SseEventSplitter {
  // Bytes of the unfinished event, copied out of earlier chunks.
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  // Line-scanner state, carried across chunks so no byte is scanned twice.
  let atLineStart = true;
  let afterCr = false;
  let endsAtCr = false;

  function takeEvent(chunk: Uint8Array, start: number, end: number, complete: boolean): SseEvent {
    let raw: Uint8Array;
    if (pendingLength === 0) {
      raw = chunk.subarray(start, end);
    } else {
      if (end > start) pending.push(chunk.subarray(start, end));
      raw = concatBytes(pending, pendingLength + (end - start));
      pending = [];
      pendingLength = 0;
    }
    return new ParsedSseEvent(raw, complete);
  }

  function push(chunk: Uint8Array): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (endsAtCr) {
        // The previous CR closed a blank line; an LF right after it still belongs to it.
        endsAtCr = false;
        afterCr = false;
        atLineStart = true;
        if (byte === LF) {
          events.push(takeEvent(chunk, start, i + 1, true));
          start = i + 1;
          continue;
        }
        events.push(takeEvent(chunk, start, i, true));
        start = i;
      }
      if (byte === LF) {
        if (afterCr) {
          afterCr = false;
        } else if (atLineStart) {
          events.push(takeEvent(chunk, start, i + 1, true));
          start = i + 1;
        } else {
          atLineStart = true;
        }
      } else if (byte === CR) {
        if (atLineStart) {
          endsAtCr = true;
        } else {
          atLineStart = true;
          afterCr = true;
        }
      } else {
        atLineStart = false;
        afterCr = false;
      }
    }
    if (start < chunk.length) {
      // Copy rather than keep a view: the caller may reuse the chunk's memory after push returns.
      // (Not chunk.slice: on a Node Buffer that returns a view.)
      pending.push(new Uint8Array(chunk.subarray(start)));
      pendingLength += chunk.length - start;
    }
    return events;
  }

  function flush(): SseEvent[] {
    const events: SseEvent[] = [];
    const empty = new Uint8Array(0);
    if (pendingLength > 0) events.push(takeEvent(empty, 0, 0, endsAtCr));
    pending = [];
    pendingLength = 0;
    atLineStart = true;
    afterCr = false;
    endsAtCr = false;
    return events;
  }

  return { push, flush };
}

const EVENT_PREFIX = Buffer.from('event:');

/**
 * The event's name, read from the raw bytes when the block starts with its `event:` line
 * (as OpenAI's and Anthropic's always do), so that frequent delta events are never decoded
 * whole; otherwise from the parsed block.
 */
export function leadingEventName(event: SseEvent): string | undefined {
  const raw = event.raw;
  if (raw.length < EVENT_PREFIX.length || Buffer.compare(EVENT_PREFIX, raw.subarray(0, EVENT_PREFIX.length)) !== 0) return event.event;
  let end = EVENT_PREFIX.length;
  while (end < raw.length && raw[end] !== LF && raw[end] !== CR) end++;
  return Buffer.from(raw.buffer, raw.byteOffset + EVENT_PREFIX.length, end - EVENT_PREFIX.length).toString('utf8').trim();
}
