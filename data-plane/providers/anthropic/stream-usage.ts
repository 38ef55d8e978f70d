import { createSseEventSplitter, leadingEventName, type SseEvent } from '../../proxy/sse.js';
import type { StreamStage } from '../../proxy/stream.js';
import { countDeltaChars } from './output-chars.js';
import { mergeUsage, toAnthropicUsage, type AnthropicUsage } from './usage.js';
import { parseJsonObject } from '../../../shared/json.js';

/** Stream stage returned by {@link createAnthropicStreamUsageTap}. */
export interface AnthropicStreamUsageTap extends StreamStage {
  /** Usage reported so far: message_start's, updated by every message_delta; null before either. */
  usage(): AnthropicUsage | null;
  /** True once a message_delta reported the final output count and the input is known. */
  complete(): boolean;
  /** Characters of output deltas seen so far (counted, never kept), for estimating a cut stream. */
  outputChars(): number;
  /** The upstream sent an `error` event (e.g. overloaded_error) after its 200. */
  sawError(): boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Creates a pass-through stage for an Anthropic Messages SSE stream that reads Anthropic's
 * own accounting: the input counts in `message_start.message.usage`, the cumulative output
 * in every `message_delta.usage`. Chunks are returned unchanged the moment they arrive, so
 * the stage adds no buffering; only message_start, message_delta and error events are
 * parsed, deltas are merely counted from their bytes.
 */
export function createAnthropicStreamUsageTap(): AnthropicStreamUsageTap {
  const splitter = createSseEventSplitter();
  let reported: AnthropicUsage | null = null;
  let sawStart = false;
  let sawFinal = false;
  let chars = 0;
  let errored = false;

  function inspect(event: SseEvent): void {
    const name = leadingEventName(event);
    if (name === 'content_block_delta') {
      chars += countDeltaChars(event.raw);
    } else if (name === 'message_start') {
      const message = parseJsonObject(event.data)?.['message'];
      const usage = toAnthropicUsage(typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['usage'] : null);
      if (usage !== null) {
        reported = mergeUsage(reported, usage);
        sawStart = true;
      }
    } else if (name === 'message_delta') {
      const usage = toAnthropicUsage(parseJsonObject(event.data)?.['usage']);
      if (usage !== null) {
        reported = mergeUsage(reported, usage);
        sawFinal ||= typeof usage.output_tokens === 'number';
      }
    } else if (name === 'error') {
      errored = true;
    }
  }

  return {
    transform(chunk) {
      for (const event of splitter.push(chunk)) inspect(event);
      return chunk;
    },
    flush() {
      // An unterminated last event still counts: Anthropic accounted for it even if a client would drop it.
      for (const event of splitter.flush()) inspect(event);
      return EMPTY;
    },
    usage: () => reported,
    complete: () => sawFinal && (sawStart || typeof reported?.input_tokens === 'number'),
    outputChars: () => chars,
    sawError: () => errored,
  };
}

