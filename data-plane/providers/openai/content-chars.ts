import { countStringValues, jsonKeys } from '../../proxy/estimate.js';

const CONTENT_KEYS = jsonKeys('content');

/**
 * Counts the characters of every `"content":"…"` string value in raw JSON bytes (a stream
 * chunk's `delta.content`, a completion's `message.content`) without parsing the JSON or
 * building a string, so the proxy can estimate output tokens of a stream that ends
 * without usage while never holding the completion text.
 *
 * An escape sequence counts as one character and UTF-8 continuation bytes are skipped,
 * so the count is the number of code points. Array-valued `content` (e.g. `logprobs.content`)
 * is ignored. A string cut off by the end of `raw` is counted up to the cut.
 */
export function countContentChars(raw: Uint8Array): number {
  return countStringValues(raw, CONTENT_KEYS);
}
