import { isRecord, parseJsonObject } from '../../../shared/json.js';
import type { TokenCounts } from '../../proxy/call.js';

/**
 * Anthropic's usage object: a Message's `usage`, `message_start.message.usage` and
 * `message_delta.usage` (whose counts are cumulative). Fields are nullable on the wire.
 */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** A breakdown of `cache_creation_input_tokens` by the cache's lifetime (`cache_control.ttl`). */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  /** A breakdown of `output_tokens`, when the API reports one. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/**
 * The usage event's counts in TokenByte's normalised convention:
 * - `inputTokens` is ALL input: uncached + cache reads + cache writes (Anthropic reports
 *   the three apart, OpenAI reports one total that includes the cached part);
 * - `cachedInputTokens` is the cache reads, `cacheWriteTokens` the cache writes and
 *   `cacheWrite1hTokens` the part of them written to a one-hour cache (billed higher);
 * - `outputTokens` is `output_tokens`, thinking included (as Anthropic bills it);
 * - `reasoningTokens` is `output_tokens_details.thinking_tokens` where Anthropic reports
 *   that breakdown, 0 otherwise (it is part of `outputTokens`, as OpenAI's is).
 */
export function tokensFromAnthropicUsage(usage: AnthropicUsage): TokenCounts {
  const cacheReads = count(usage.cache_read_input_tokens);
  const cacheWrites = count(usage.cache_creation_input_tokens);
  return {
    inputTokens: count(usage.input_tokens) + cacheReads + cacheWrites,
    cachedInputTokens: cacheReads,
    cacheWriteTokens: cacheWrites,
    cacheWrite1hTokens: Math.min(count(usage.cache_creation?.ephemeral_1h_input_tokens), cacheWrites),
    outputTokens: count(usage.output_tokens),
    reasoningTokens: count(usage.output_tokens_details?.thinking_tokens),
  };
}

/**
 * A stream's usage: `message_start` gives the input (and a provisional output count),
 * `message_delta` the cumulative final counts. A non-null field of the later report wins,
 * so a delta that also carries input counts (as the API's now do, e.g. after server tool
 * use grew the input) overrides message_start's.
 */
export function mergeUsage(earlier: AnthropicUsage | null, later: AnthropicUsage): AnthropicUsage {
  const merged: AnthropicUsage = { ...earlier };
  for (const [name, value] of Object.entries(later) as Array<[keyof AnthropicUsage, unknown]>) {
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[name] = value;
  }
  return merged;
}

/** The usage in `value` if it is one (an object with numeric token counts), else null. */
export function toAnthropicUsage(value: unknown): AnthropicUsage | null {
  if (!isRecord(value)) return null;
  const numeric = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'].some(
    (name) => typeof value[name] === 'number',
  );
  return numeric ? (value as AnthropicUsage) : null;
}

/** The `usage` of a parsed Message; null when absent or incomplete. */
export function usageOfMessage(message: Readonly<Record<string, unknown>>): AnthropicUsage | null {
  const usage = toAnthropicUsage(message['usage']);
  return usage !== null && typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number' ? usage : null;
}

/** The `usage` of a non-streamed Message body; null when absent, incomplete, or the body is not JSON. */
export function usageFromMessageBody(bytes: Uint8Array): AnthropicUsage | null {
  const message = parseJsonObject(bytes);
  return message === null ? null : usageOfMessage(message);
}

/**
 * Counts for a call Anthropic accepted but did not finish reporting: the input it did
 * report (message_start), cache reads, cache writes and one-hour cache writes kept apart
 * so each is billed at its own price, else a quarter of the prompt's characters; the
 * output as a quarter of the characters streamed, the usual rule of thumb for English text.
 */
export function estimateTokens(reported: AnthropicUsage | null, inputChars: number, outputChars: number): TokenCounts {
  const input =
    reported !== null && typeof reported.input_tokens === 'number'
      ? tokensFromAnthropicUsage({ ...reported, output_tokens: 0, output_tokens_details: null })
      : { inputTokens: Math.ceil(inputChars / 4), cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 };
  return {
    inputTokens: input.inputTokens,
    cachedInputTokens: input.cachedInputTokens,
    cacheWriteTokens: input.cacheWriteTokens ?? 0,
    cacheWrite1hTokens: input.cacheWrite1hTokens ?? 0,
    outputTokens: Math.ceil(outputChars / 4),
    reasoningTokens: 0,
  };
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
