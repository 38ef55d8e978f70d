import { createSseEventSplitter, leadingEventName, type SseEvent } from '../../proxy/sse.js';
import type { StreamStage } from '../../proxy/stream.js';

/**
 * Replaces OpenAI's response ids with the ids bound to the caller (response-ids.ts) in an
 * answer's bytes. An upstream id is a long random token, so replacing its exact bytes
 * wherever they occur touches nothing else; the answer is otherwise passed byte for byte.
 */
export interface ResponseIdRewriter {
  /** Binds `upstreamId` from now on (an id the request named, known before the answer). */
  know(upstreamId: string): void;
  /** Binds the ids a Response object names: its own, its `previous_response_id`, its prompt-cache comparison. */
  learn(response: unknown): void;
  /** `bytes` with every known upstream id replaced; the same array when there was none. */
  rewrite(bytes: Uint8Array): Uint8Array;
}

/** Only OpenAI-shaped response ids are bound: a short or empty string must never be "replaced" everywhere. */
const UPSTREAM_ID = /^resp_[A-Za-z0-9]{8,}$/;
/** Stream events that carry the whole Response object; the first one names every id the stream will. */
const RESPONSE_EVENTS = new Set(['response.created', 'response.queued', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed']);
const EMPTY = new Uint8Array(0);

/** A rewriter that binds each upstream id it meets with `bind` (the caller's account, the answering credential). */
export function createResponseIdRewriter(bind: (upstreamId: string) => string): ResponseIdRewriter {
  const known: Array<{ from: Buffer; to: Buffer }> = [];
  const know = (upstreamId: unknown): void => {
    if (typeof upstreamId !== 'string' || !UPSTREAM_ID.test(upstreamId)) return;
    if (known.some(({ from }) => from.toString('latin1') === upstreamId)) return;
    known.push({ from: Buffer.from(upstreamId, 'latin1'), to: Buffer.from(bind(upstreamId), 'latin1') });
  };
  return {
    know,
    learn(response) {
      if (!isRecord(response)) return;
      know(response['id']);
      know(response['previous_response_id']);
      const cache = response['prompt_cache_options'];
      if (isRecord(cache)) know(cache['comparison_response_id']);
    },
    rewrite(bytes) {
      let out = bytes;
      for (const { from, to } of known) out = replaceAll(out, from, to);
      return out;
    },
  };
}

/**
 * A stream stage that rewrites a Responses SSE stream event by event: it learns the ids
 * from the first event carrying the Response (`response.created`), then replaces them in
 * that event and every later one. An event is held only until its last byte arrives, never
 * longer, and events that arrive together leave together.
 */
export function createResponseIdStage(ids: ResponseIdRewriter): StreamStage {
  const splitter = createSseEventSplitter();
  let learned = false;
  const pass = (events: SseEvent[]): Uint8Array => {
    const out: Uint8Array[] = [];
    for (const event of events) {
      const name = leadingEventName(event) ?? '';
      // A later `response.created` would be a new response (a successor), so those are always read.
      if ((!learned && RESPONSE_EVENTS.has(name)) || name === 'response.created') {
        learned = true;
        ids.learn(parseObject(event.data)?.['response']);
      }
      out.push(ids.rewrite(event.raw));
    }
    if (out.length <= 1) return out[0] ?? EMPTY;
    return Buffer.concat(out);
  };
  return {
    transform: (chunk) => pass(splitter.push(chunk)),
    flush: () => pass(splitter.flush()),
  };
}

function replaceAll(bytes: Uint8Array, from: Buffer, to: Buffer): Uint8Array {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = haystack.indexOf(from);
  if (at === -1) return bytes;
  const parts: Buffer[] = [];
  let start = 0;
  while (at !== -1) {
    parts.push(haystack.subarray(start, at), to);
    start = at + from.length;
    at = haystack.indexOf(from, start);
  }
  parts.push(haystack.subarray(start));
  return Buffer.concat(parts);
}

function parseObject(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
