import type { StreamStage } from '../../proxy/stream.js';
import { createSseEventSplitter, type SseEvent } from '../../proxy/sse.js';
import { countTextChars, usageMetadataOf, type GeminiUsageMetadata } from './usage.js';

/** Stream stage returned by {@link createGeminiStreamObserver}. */
export interface GeminiStreamObserver extends StreamStage {
  /** The last `usageMetadata` seen; Gemini's counts are cumulative, so the last one is the call's. */
  usage(): GeminiUsageMetadata | null;
  /** A final chunk arrived: one with a `finishReason`, or a prompt refused with `promptFeedback.blockReason`. */
  finished(): boolean;
  /** Google sent an error event (`{"error": …}`) after its 200: the answer failed midway. */
  failed(): boolean;
  /** Characters of `text` parts seen (counted, never kept), for estimating a stream that ends without usage. */
  outputChars(): number;
  /** The bytes passed on so far end on an event boundary, so a gateway event can follow as is. */
  atEventBoundary(): boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * A pass-through stage for a Gemini `alt=sse` stream: every chunk is returned unchanged
 * the moment it arrives, while its events are read for `usageMetadata` (on every chunk
 * in current versions, cumulative; on the last one only in older ones) and for the end
 * of the answer. Each event is a whole GenerateContentResponse of modest size, so it is
 * parsed outright rather than scanned.
 */
export function createGeminiStreamObserver(): GeminiStreamObserver {
  const splitter = createSseEventSplitter();
  let lastUsage: GeminiUsageMetadata | null = null;
  let finished = false;
  let failed = false;
  let outputChars = 0;
  let pending = 0;

  function observe(event: SseEvent): void {
    pending -= event.raw.byteLength;
    outputChars += countTextChars(event.raw);
    // An unterminated tail is not an event a client would act on (nor valid JSON, typically).
    if (!event.complete || event.data === '') return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) return;
    const record = chunk as Record<string, unknown>;
    lastUsage = usageMetadataOf(record['usageMetadata']) ?? lastUsage;
    if ('error' in record) failed = true;
    if (isFinal(record)) finished = true;
  }

  return {
    transform(chunk) {
      pending += chunk.byteLength;
      for (const event of splitter.push(chunk)) observe(event);
      return chunk;
    },
    flush() {
      for (const event of splitter.flush()) observe(event);
      return EMPTY;
    },
    usage: () => lastUsage,
    finished: () => finished,
    failed: () => failed,
    outputChars: () => outputChars,
    atEventBoundary: () => pending === 0,
  };
}

function isFinal(chunk: Record<string, unknown>): boolean {
  const feedback = chunk['promptFeedback'];
  if (typeof feedback === 'object' && feedback !== null && 'blockReason' in feedback) return true;
  const candidates = chunk['candidates'];
  if (!Array.isArray(candidates)) return false;
  return candidates.some((candidate: unknown) => typeof candidate === 'object' && candidate !== null && 'finishReason' in candidate);
}
