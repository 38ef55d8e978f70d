// TokenByte's usage convention applied to Anthropic's accounting.
import { describe, expect, it } from 'vitest';
import { estimateTokens, mergeUsage, tokensFromAnthropicUsage, usageFromMessageBody } from '../../../../data-plane/providers/anthropic/usage.js';

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('tokensFromAnthropicUsage', () => {
  it('counts all input (uncached + cache reads + cache writes), cache reads as cached, thinking as reasoning', () => {
    expect(
      tokensFromAnthropicUsage({ input_tokens: 10, cache_read_input_tokens: 200, cache_creation_input_tokens: 30, output_tokens: 50, output_tokens_details: { thinking_tokens: 20 } }),
    ).toEqual({ inputTokens: 240, cachedInputTokens: 200, cacheWriteTokens: 30, cacheWrite1hTokens: 0, outputTokens: 50, reasoningTokens: 20 });
  });

  it('keeps the cache writes to a one-hour cache apart (cache_creation.ephemeral_1h_input_tokens), never more than the writes', () => {
    const usage = {
      input_tokens: 10,
      cache_creation_input_tokens: 30,
      cache_creation: { ephemeral_5m_input_tokens: 12, ephemeral_1h_input_tokens: 18 },
      output_tokens: 5,
    };
    expect(tokensFromAnthropicUsage(usage)).toMatchObject({ inputTokens: 40, cacheWriteTokens: 30, cacheWrite1hTokens: 18 });
    expect(tokensFromAnthropicUsage({ ...usage, cache_creation_input_tokens: 9 })).toMatchObject({ cacheWriteTokens: 9, cacheWrite1hTokens: 9 });
    expect(tokensFromAnthropicUsage({ ...usage, cache_creation: null })).toMatchObject({ cacheWriteTokens: 30, cacheWrite1hTokens: 0 });
  });

  it('reads null and missing fields as zero', () => {
    expect(tokensFromAnthropicUsage({ input_tokens: 7, cache_read_input_tokens: null, output_tokens: 3, output_tokens_details: null })).toEqual({
      inputTokens: 7,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
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
  it('keeps the input Anthropic reported, cache reads and (one-hour) writes apart, and estimates the output at four characters per token', () => {
    const cacheCreation = { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 15 };
    expect(estimateTokens({ input_tokens: 10, cache_read_input_tokens: 90, cache_creation_input_tokens: 20, cache_creation: cacheCreation, output_tokens: 1 }, 4000, 9)).toEqual({
      inputTokens: 120,
      cachedInputTokens: 90,
      cacheWriteTokens: 20,
      cacheWrite1hTokens: 15,
      outputTokens: 3,
      reasoningTokens: 0,
    });
  });

  it('estimates the input from the prompt characters when Anthropic reported none', () => {
    expect(estimateTokens(null, 41, 0)).toEqual({ inputTokens: 11, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0 });
  });
});
