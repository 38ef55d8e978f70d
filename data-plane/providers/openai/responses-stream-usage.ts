import { countStringValues, jsonKeys } from '../../proxy/estimate.js';
import { createSseEventSplitter, leadingEventName, type SseEvent } from '../../proxy/sse.js';
import type { StreamStage } from '../../proxy/stream.js';
import { toResponsesUsage, type ResponsesUsage } from './responses-usage.js';
import { parseJsonObject } from '../../../shared/json.js';

/** Stream stage returned by {@link createResponsesStreamTap}. */
export interface ResponsesStreamTap extends StreamStage {
  /** The usage of the terminal event (`response.completed`, `.incomplete` or `.failed`); null before one. */
  usage(): ResponsesUsage | null;
  /** Characters of the `delta` strings seen so far (counted, never kept), for estimating a cut stream. */
  outputChars(): number;
  /** The upstream reported a failure in the stream: `response.failed`, or an `error` event. */
  failed(): boolean;
  /** The `sequence_number` an event appended now should carry: one past the last seen. */
  nextSequenceNumber(): number;
  /** True when the bytes passed so far end inside an event, which an appended event must first terminate. */
  midEvent(): boolean;
}

const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);
/** Deltas that are not text: base64 audio would count thousands of "characters" per token. */
const NON_TEXT_DELTAS = new Set(['response.audio.delta']);
const DELTA_KEYS = jsonKeys('delta');
const SEQUENCE_KEY = Buffer.from('"sequence_number":');
const EMPTY = new Uint8Array(0);

/**
 * Creates a pass-through stage for a Responses API SSE stream that reads OpenAI's own
 * accounting from the terminal event's `response.usage`. Chunks are returned unchanged the
 * moment they arrive, so the stage adds no buffering; events are named from their leading
 * `event:` line, only terminal events are parsed, deltas are merely counted from their bytes.
 */
export function createResponsesStreamTap(): ResponsesStreamTap {
  const splitter = createSseEventSplitter();
  let usage: ResponsesUsage | null = null;
  let chars = 0;
  let failed = false;
  let lastSequence = -1;
  let pushed = 0;
  let split = 0;

  function inspect(event: SseEvent): void {
    split += event.raw.length;
    lastSequence = Math.max(lastSequence, sequenceNumber(event.raw));
    const name = leadingEventName(event) ?? typeOf(event.data);
    if (name === undefined) return;
    if (name.endsWith('.delta')) {
      if (!NON_TEXT_DELTAS.has(name)) chars += countStringValues(event.raw, DELTA_KEYS);
    } else if (TERMINAL_EVENTS.has(name)) {
      const response = parseJsonObject(event.data)?.['response'];
      const reported = toResponsesUsage(typeof response === 'object' && response !== null ? (response as Record<string, unknown>)['usage'] : null);
      if (reported !== null) usage = reported;
      if (name === 'response.failed') failed = true;
    } else if (name === 'error') {
      failed = true;
    }
  }

  return {
    transform(chunk) {
      pushed += chunk.byteLength;
      for (const event of splitter.push(chunk)) inspect(event);
      return chunk;
    },
    flush() {
      // An unterminated last event still counts: OpenAI accounted for it even if a client would drop it.
      for (const event of splitter.flush()) inspect(event);
      return EMPTY;
    },
    usage: () => usage,
    outputChars: () => chars,
    failed: () => failed,
    nextSequenceNumber: () => lastSequence + 1,
    midEvent: () => pushed > split,
  };
}

/** The event's top-level `sequence_number`, read from its bytes; -1 when it has none. */
function sequenceNumber(raw: Uint8Array): number {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const at = bytes.indexOf(SEQUENCE_KEY);
  if (at === -1) return -1;
  let i = at + SEQUENCE_KEY.length;
  while (bytes[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < bytes.length && (bytes[i] ?? 0) >= 0x30 && (bytes[i] ?? 0) <= 0x39; i++, digits++) value = value * 10 + (bytes[i] ?? 0) - 0x30;
  return digits === 0 ? -1 : value;
}

/** The `type` of an event without an `event:` line (OpenAI always sends one; this is for other senders). */
function typeOf(data: string): string | undefined {
  const type = parseJsonObject(data)?.['type'];
  return typeof type === 'string' ? type : undefined;
}

