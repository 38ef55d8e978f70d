import type { TokenCounts } from '../../proxy/call.js';
import type { OpenAIUsage } from './stream-usage.js';

/** The usage event's counts from OpenAI's `usage` object. */
export function tokensFromUsage(usage: OpenAIUsage): TokenCounts {
  return {
    inputTokens: usage.prompt_tokens,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage.completion_tokens,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export { estimateTokens } from '../../proxy/estimate.js';

/** The `usage` of a non-streamed completion body, or null when it is absent or the body is not JSON. */
export function usageFromBody(bytes: Uint8Array): OpenAIUsage | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const usage = (body as Record<string, unknown>)['usage'];
  if (typeof usage !== 'object' || usage === null) return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return null;
  return usage as OpenAIUsage;
}
