// Gemini GenerateContentResponse → OpenAI chat.completion.
import { describe, expect, it } from 'vitest';
import { geminiToOpenAIChat, toOpenAIFinishReason } from '../../../../../data-plane/providers/gemini/translate/chat-response.js';

function ids(): () => string {
  let next = 0;
  return () => `call_${++next}`;
}

const USAGE = { promptTokenCount: 20, cachedContentTokenCount: 8, candidatesTokenCount: 5, thoughtsTokenCount: 30, toolUsePromptTokenCount: 2, totalTokenCount: 57 };

describe('geminiToOpenAIChat', () => {
  it('maps text, finish reason and usage (cached and reasoning details included)', () => {
    const completion = geminiToOpenAIChat(
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Hello' }, { text: ' there' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: USAGE,
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'abc123',
      },
      { model: 'gemini-2.5-flash', created: 1_700_000_000, newToolCallId: ids() },
    );
    expect(completion).toEqual({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: 22,
        completion_tokens: 35,
        total_tokens: 57,
        prompt_tokens_details: { cached_tokens: 8 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
  });

  it('turns function calls into tool_calls with generated ids and JSON-string arguments, finishing with tool_calls', () => {
    const completion = geminiToOpenAIChat(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris', days: 2 } }, thoughtSignature: 'sig-9' },
                { functionCall: { name: 'ping' } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
      { model: 'm', created: 1, newToolCallId: ids() },
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' }, extra_content: { google: { thought_signature: 'sig-9' } } },
          { id: 'call_2', type: 'function', function: { name: 'ping', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(completion.usage).toBeUndefined();
  });

  it('maps every finish reason', () => {
    expect(toOpenAIFinishReason('STOP', false)).toBe('stop');
    expect(toOpenAIFinishReason('MAX_TOKENS', false)).toBe('length');
    for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) expect(toOpenAIFinishReason(reason, false)).toBe('content_filter');
    expect(toOpenAIFinishReason('MALFORMED_FUNCTION_CALL', false)).toBe('stop');
    expect(toOpenAIFinishReason('STOP', true)).toBe('tool_calls');
    expect(toOpenAIFinishReason(undefined, false)).toBeNull();
  });

  it('answers a prompt Gemini blocked outright with one empty choice finished by content_filter', () => {
    const completion = geminiToOpenAIChat({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }, { model: 'm', created: 1 });
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'content_filter', logprobs: null }]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 });
  });
});
