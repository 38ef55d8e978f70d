// TokenByte's usage convention applied to Anthropic's accounting.
import { describe, expect, it } from 'vitest';
import { estimateTokens, mergeUsage, tokensFromAnthropicUsage, usageFromMessageBody } from '../../../../data-plane/providers/anthropic/usage.js';

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('tokensFromAnthropicUsage', () => {
  it('counts all input (uncached + cache reads + cache writes), cache reads as cached, thinking as reasoning', () => {
    expect(
      tokensFromAnthropicUsage({ input_tokens: 10, cache_read_input_tokens: 200, cache_creation_input_tokens: 30, output_tokens: 50, output_tokens_details: { thinking_tokens: 20 } }),
    ).toEqual({ inputTokens: 240, cachedInputTokens: 200, cacheWriteTokens: 30, outputTokens: 50, reasoningTokens: 20 });
  });

  it('reads null and missing fields as zero', () => {
    expect(tokensFromAnthropicUsage({ input_tokens: 7, cache_read_input_tokens: null, output_tokens: 3, output_tokens_details: null })).toEqual({
      inputTokens: 7,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 3,
      reasoningTokens: 0,
    });
  });
});

describe('mergeUsage', () => {
  it('lets the later report replace present fields and keep the rest (message_delta counts are cumulative)', () => {
    expect(mergeUsage({ input_tokens: 5, cache_read_input_tokens: 9, output_tokens: 1 }, { input_tokens: null, output_tokens: 40 })).toEqual({
      input_tokens: 5,
      cache_read_input_tokens: 9,
      output_tokens: 40,
    });
    expect(mergeUsage(null, { input_tokens: 8, output_tokens: 2 })).toEqual({ input_tokens: 8, output_tokens: 2 });
  });
});

describe('usageFromMessageBody', () => {
  it('reads a Message body\'s usage and refuses a cut or usage-less body', () => {
    expect(usageFromMessageBody(encode({ id: 'msg_1', usage: { input_tokens: 4, output_tokens: 6 } }))).toEqual({ input_tokens: 4, output_tokens: 6 });
    expect(usageFromMessageBody(encode({ id: 'msg_1', usage: { input_tokens: 4 } }))).toBeNull();
    expect(usageFromMessageBody(new TextEncoder().encode('{"id":"msg_1","usage":{"input_'))).toBeNull();
  });
});

describe('estimateTokens', () => {
  it('keeps the input Anthropic reported, cache reads and writes apart, and estimates the output at four characters per token', () => {
    expect(estimateTokens({ input_tokens: 10, cache_read_input_tokens: 90, cache_creation_input_tokens: 20, output_tokens: 1 }, 4000, 9)).toEqual({
      inputTokens: 120,
      cachedInputTokens: 90,
      cacheWriteTokens: 20,
      outputTokens: 3,
      reasoningTokens: 0,
    });
  });

  it('estimates the input from the prompt characters when Anthropic reported none', () => {
    expect(estimateTokens(null, 41, 0)).toEqual({ inputTokens: 11, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 });
  });
});
