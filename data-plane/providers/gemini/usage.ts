import { parseJsonObject } from '../../../shared/json.js';
import type { TokenCounts } from '../../proxy/call.js';
import { countStringValues, jsonKeys } from '../../proxy/estimate.js';

/** Gemini's `usageMetadata` (GenerateContentResponse, and some embedding answers); every count is optional on the wire. */
export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

const COUNT_FIELDS = [
  'promptTokenCount',
  'cachedContentTokenCount',
  'candidatesTokenCount',
  'thoughtsTokenCount',
  'toolUsePromptTokenCount',
  'totalTokenCount',
] as const;

/** The usage metadata in `value`, or null unless it is an object with at least one numeric count. */
export function usageMetadataOf(value: unknown): GeminiUsageMetadata | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const usage: GeminiUsageMetadata = {};
  let any = false;
  for (const field of COUNT_FIELDS) {
    const count = record[field];
    if (typeof count === 'number' && Number.isFinite(count) && count >= 0) {
      usage[field] = count;
      any = true;
    }
  }
  return any ? usage : null;
}

/**
 * TokenByte's normalised counts from Gemini's usage metadata:
 * - input = promptTokenCount + toolUsePromptTokenCount. The prompt count already includes
 *   cached tokens; tool-use prompt tokens (results of built-in tools such as search or code
 *   execution, fed back to the model) are reported apart by Google but billed as input, and
 *   Google's own totalTokenCount adds them to the prompt.
 * - cachedInput = cachedContentTokenCount (a part of input, as OpenAI's cached_tokens is).
 * - output = candidatesTokenCount + thoughtsTokenCount: all generated tokens, thinking
 *   included, as OpenAI's completion_tokens include reasoning; Google bills thoughts as output.
 * - reasoning = thoughtsTokenCount (a part of output).
 */
export function tokensFromUsageMetadata(usage: GeminiUsageMetadata): TokenCounts {
  const thoughts = usage.thoughtsTokenCount ?? 0;
  return {
    inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    cachedInputTokens: usage.cachedContentTokenCount ?? 0,
    outputTokens: (usage.candidatesTokenCount ?? 0) + thoughts,
    reasoningTokens: thoughts,
  };
}

export { estimateTokens } from '../../proxy/estimate.js';

/** The `usageMetadata` of a whole JSON answer, or null when absent or the body is not JSON (e.g. cut short). */
export function usageFromBody(bytes: Uint8Array): GeminiUsageMetadata | null {
  const body = parseJsonObject(bytes);
  return body === null ? null : usageMetadataOf(body['usageMetadata']);
}

const TEXT_KEYS = jsonKeys('text');

/**
 * Counts the characters of every `"text":"…"` string value in raw JSON bytes without
 * parsing them, so the output of an answer cut short (not valid JSON) can still be
 * estimated while the text itself is never held. Escapes count as one character and
 * UTF-8 continuation bytes are skipped; a string cut off by the end is counted to the cut.
 */
export function countTextChars(raw: Uint8Array): number {
  return countStringValues(raw, TEXT_KEYS);
}
