import type { OpenAIErrorBody } from '../../../proxy/errors.js';

/**
 * A translation's outcome: the translated value, or the 400 the OpenAI-compatible route must
 * answer because the request asks for something Anthropic cannot do. A value, not a throw:
 * an untranslatable parameter is an expected outcome, not a bug.
 */
export type Translation<T> = { ok: true; value: T } | { ok: false; status: 400; body: OpenAIErrorBody };

/**
 * OpenAI's own codes for a refused parameter: `unsupported_parameter` (the parameter cannot be
 * used here), `unsupported_value` (this value cannot), `invalid_type` (it is malformed).
 */
export type RefusalCode = 'unsupported_parameter' | 'unsupported_value' | 'invalid_type';

/** A 400 in OpenAI's shape naming the parameter (a path such as `messages[2].content[0]`). */
export function untranslatable<T>(param: string, message: string, code: RefusalCode = 'unsupported_parameter'): Translation<T> {
  return { ok: false, status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

export function translated<T>(value: T): Translation<T> {
  return { ok: true, value };
}
