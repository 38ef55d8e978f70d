import type { OpenAIErrorBody } from '../../../proxy/errors.js';
import { isRecord } from '../../../../shared/json.js';

/** An upstream error in OpenAI's shape, with Anthropic's status kept. */
export interface TranslatedError {
  status: number;
  body: OpenAIErrorBody;
}

/**
 * Translates an Anthropic error answer (`{"type":"error","error":{"type","message"}}`) into
 * OpenAI's shape with the same status, so OpenAI SDKs raise the class that status means
 * (RateLimitError for 429, InternalServerError for 5xx and 529, ...). The message is
 * Anthropic's; `type` follows OpenAI's habit (`invalid_request_error` for 4xx,
 * `server_error` for 5xx) and `code` keeps Anthropic's type so nothing is lost, except for
 * rate limits, which get OpenAI's own `rate_limit_exceeded`. A body that is not Anthropic's
 * shape (a proxy's HTML page) gets a generic message rather than being echoed.
 */
export function anthropicErrorToOpenAI(status: number, body: Uint8Array | string | unknown): TranslatedError {
  const parsed = typeof body === 'string' || body instanceof Uint8Array ? parseJson(body) : body;
  const error = isRecord(parsed) && isRecord(parsed['error']) ? parsed['error'] : null;
  const anthropicType = typeof error?.['type'] === 'string' ? error['type'] : null;
  const message = typeof error?.['message'] === 'string' ? error['message'] : `The upstream provider answered with status ${status}.`;
  const code = anthropicType === 'rate_limit_error' ? 'rate_limit_exceeded' : anthropicType;
  return { status, body: { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code } } };
}

/**
 * An Anthropic mid-stream `error` event's data as the OpenAI stream error chunk
 * (`data: {"error":{...}}`), which OpenAI SDKs raise as an APIError.
 */
export function anthropicStreamErrorToOpenAI(data: string): OpenAIErrorBody {
  // Mid-stream the status line is long gone; overloads and API errors are server-side.
  return anthropicErrorToOpenAI(500, data).body;
}

function parseJson(body: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return null;
  }
}

