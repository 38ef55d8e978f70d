// Anthropic Message → OpenAI chat.completion, checked against the openai SDK's own parsing.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { finishReasonFor, messageToChatCompletion, openAIUsageFor } from '../../../../../data-plane/providers/anthropic/translate/response.js';
import type { AnthropicMessage } from '../../../../../data-plane/providers/anthropic/translate/types.js';

const message: AnthropicMessage = {
  id: 'msg_01',
  model: 'claude-haiku-4-5-20251001',
  content: [
    { type: 'thinking', thinking: 'Let me see.', signature: 'sig' },
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'the weather.' },
    { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Zürich', days: [1, 2] } },
  ],
  stop_reason: 'tool_use',
  usage: { input_tokens: 10, cache_read_input_tokens: 200, cache_creation_input_tokens: 30, output_tokens: 50, output_tokens_details: { thinking_tokens: 12 } },
};

describe('messageToChatCompletion', () => {
  it('joins text, turns tool_use into tool_calls with JSON-string arguments and maps usage', () => {
    const completion = messageToChatCompletion(message, { created: 1_700_000_000, model: 'claude-haiku-4-5' });
    expect(completion).toEqual({
      id: 'msg_01',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-haiku-4-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking the weather.',
            refusal: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Zürich","days":[1,2]}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 240, completion_tokens: 50, total_tokens: 290, prompt_tokens_details: { cached_tokens: 200 }, completion_tokens_details: { reasoning_tokens: 12 } },
    });
  });

  it('reports null content and no tool_calls key when there is neither, and the Anthropic model by default', () => {
    const completion = messageToChatCompletion({ id: 'msg_2', model: 'claude-x', content: [], stop_reason: 'end_turn' });
    expect(completion.model).toBe('claude-x');
    expect(completion.choices[0]!.message).toEqual({ role: 'assistant', content: null, refusal: null });
    expect(completion.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    [null, 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    expect(finishReasonFor(stopReason)).toBe(finishReason);
  });

  it('is read by the openai SDK as a completion with parsed tool calls', async () => {
    const body = JSON.stringify(messageToChatCompletion(message));
    const client = new OpenAI({ apiKey: 'unused', baseURL: 'http://translated.invalid/v1', maxRetries: 0, fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }) });
    const completion = await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }] });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Zürich', days: [1, 2] });
    expect(openAIUsageFor(message.usage)).toEqual(completion.usage);
  });
});
