import type { TokenCounts } from '../../proxy/call.js';

/** Token usage as the Responses API reports it (`response.usage`). */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens?: number };
  /** Every output token, reasoning included. */
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens?: number };
  total_tokens?: number;
}

/** The usage event's counts from a Responses `usage` object. */
export function tokensFromResponsesUsage(usage: ResponsesUsage): TokenCounts {
  return {
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage.output_tokens,
    reasoningTokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** `value` as a Responses usage when it has the two counts; null otherwise (e.g. the `null` of an unfinished response). */
export function toResponsesUsage(value: unknown): ResponsesUsage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { input_tokens: input, output_tokens: output } = value as Record<string, unknown>;
  return typeof input === 'number' && typeof output === 'number' ? (value as ResponsesUsage) : null;
}

/** A non-streamed Response body: its usage, whether it says the response failed, and the object itself (null when it is not one). */
export function readResponseBody(bytes: Uint8Array): { usage: ResponsesUsage | null; failed: boolean; response: Record<string, unknown> | null } {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { usage: null, failed: false, response: null };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { usage: null, failed: false, response: null };
  const response = body as Record<string, unknown>;
  return { usage: toResponsesUsage(response['usage']), failed: response['status'] === 'failed', response };
}
