import type { TokenCounts } from '../../proxy/call.js';

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

/** About four characters per token, the usual rule of thumb (the same as for OpenAI). */
export function estimateTokens(inputChars: number, outputChars: number): TokenCounts {
  return { inputTokens: Math.ceil(inputChars / 4), cachedInputTokens: 0, outputTokens: Math.ceil(outputChars / 4), reasoningTokens: 0 };
}

/** The `usageMetadata` of a whole JSON answer, or null when absent or the body is not JSON (e.g. cut short). */
export function usageFromBody(bytes: Uint8Array): GeminiUsageMetadata | null {
  try {
    const body: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return typeof body === 'object' && body !== null ? usageMetadataOf((body as Record<string, unknown>)['usageMetadata']) : null;
  } catch {
    return null;
  }
}

const TEXT_KEY = Buffer.from('"text":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const LOWER_U = 0x75;

/**
 * Counts the characters of every `"text":"…"` string value in raw JSON bytes without
 * parsing them, so the output of an answer cut short (not valid JSON) can still be
 * estimated while the text itself is never held. Escapes count as one character and
 * UTF-8 continuation bytes are skipped; a string cut off by the end is counted to the cut.
 */
export function countTextChars(raw: Uint8Array): number {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  let from = 0;
  for (;;) {
    const at = bytes.indexOf(TEXT_KEY, from);
    if (at === -1) return total;
    let i = at + TEXT_KEY.length;
    while (bytes[i] === SPACE) i++;
    if (bytes[i] !== QUOTE) {
      from = i;
      continue;
    }
    i++;
    while (i < bytes.length) {
      const byte = bytes[i] ?? 0;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH) {
        i += bytes[i + 1] === LOWER_U ? 6 : 2;
        total++;
        continue;
      }
      if ((byte & 0xc0) !== 0x80) total++;
      i++;
    }
    from = i + 1;
  }
}
