import { countStringValues, jsonKeys } from '../../proxy/estimate.js';

// The string fields that carry generated output: text, tool-call arguments, thinking.
const DELTA_KEYS = jsonKeys('text', 'partial_json', 'thinking');
// A Message body's text and thinking blocks (tool inputs there are objects, not strings).
const BODY_KEYS = jsonKeys('text', 'thinking');

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
