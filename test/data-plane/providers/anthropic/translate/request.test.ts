// OpenAI chat-completions request → Anthropic Messages request.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TOKENS, chatToMessagesRequest } from '../../../../../data-plane/providers/anthropic/translate/request.js';

const USER = { role: 'user', content: 'Hi' };

function ok(body: Record<string, unknown>, options = {}) {
  const result = chatToMessagesRequest({ model: 'claude-haiku-4-5', ...body }, options);
  if (!result.ok) throw new Error(`expected a translation, got ${JSON.stringify(result.body)}`);
  return result.value;
}

function refused(body: Record<string, unknown>) {
  const result = chatToMessagesRequest({ model: 'claude-haiku-4-5', messages: [USER], ...body });
  if (result.ok) throw new Error('expected a 400');
  return result;
}

describe('chatToMessagesRequest: conversation', () => {
  it('hoists system and developer messages into system and keeps user/assistant turns', () => {
    const request = ok({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: [{ type: 'text', text: 'Again' }, { type: 'text', text: '' }] },
      ],
    });
    expect(request.system).toEqual([
      { type: 'text', text: 'Be terse.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Bonjour' }] },
      { role: 'user', content: [{ type: 'text', text: 'Again' }] },
    ]);
    expect(ok({ messages: [{ role: 'system', content: 'One.' }, USER] }).system).toBe('One.');
  });

  it('turns assistant tool_calls into tool_use blocks and merges consecutive tool results into one user turn', () => {
    const request = ok({
      messages: [
        USER,
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '21C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '21C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '12:00' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it('pairs the legacy function_call and function messages by name', () => {
    const request = ok({
      messages: [USER, { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":1}' } }, { role: 'function', name: 'lookup', content: 'found' }],
    });
    expect(request.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_legacy_0', name: 'lookup', input: { q: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_legacy_0', content: 'found' }] },
    ]);
  });

  it('sends images by URL as url sources and base64 data URLs as base64 sources, and inline PDFs as documents', () => {
    const request = ok({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(request.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGRg==' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ]);
  });
});

describe('chatToMessagesRequest: parameters', () => {
  it('maps tools, tool_choice, sampling, stop, stream, user and max tokens', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const request = ok({
      messages: [USER],
      tools: [
        { type: 'function', function: { name: 'weather', description: 'By city', parameters, strict: true } },
        { type: 'function', function: { name: 'ping' } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      max_tokens: 100,
      max_completion_tokens: 300,
      seed: 7,
    });
    expect(request).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [
        { name: 'weather', description: 'By city', input_schema: parameters },
        { name: 'ping', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-42' },
    });
  });

  it.each([
    ['none', { type: 'none' }],
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
  ])('maps tool_choice %s', (choice, expected) => {
    expect(ok({ messages: [USER], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: choice }).tool_choice).toEqual(expected);
  });

  it('maps the legacy functions and function_call, a stop list, json_schema and reasoning_effort', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    const request = ok({
      messages: [USER],
      functions: [{ name: 'f', parameters: { type: 'object' } }],
      function_call: { name: 'f' },
      stop: ['a', 'b'],
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema, strict: true } },
      reasoning_effort: 'minimal',
    });
    expect(request).toMatchObject({
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'f' },
      stop_sequences: ['a', 'b'],
      output_config: { format: { type: 'json_schema', schema }, effort: 'low' },
    });
  });

  it('uses the documented max_tokens default, or the caller\'s, and the upstream model name', () => {
    expect(ok({ messages: [USER] }).max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
    expect(ok({ messages: [USER] }, { defaultMaxTokens: 64_000, model: 'claude-haiku-4-5-20251001' })).toMatchObject({ max_tokens: 64_000, model: 'claude-haiku-4-5-20251001' });
  });
});

describe('chatToMessagesRequest: what cannot be translated is a 400 naming the parameter', () => {
  it.each([
    [{ n: 2 }, 'n', 'unsupported_value'],
    [{ logprobs: true }, 'logprobs', 'unsupported_parameter'],
    [{ top_logprobs: 3 }, 'top_logprobs', 'unsupported_parameter'],
    [{ response_format: { type: 'json_object' } }, 'response_format', 'unsupported_value'],
    [{ temperature: 1.5 }, 'temperature', 'unsupported_value'],
    [{ frequency_penalty: 0.5 }, 'frequency_penalty', 'unsupported_parameter'],
    [{ presence_penalty: -1 }, 'presence_penalty', 'unsupported_parameter'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias', 'unsupported_parameter'],
    [{ modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'mp3' } }, 'audio', 'unsupported_parameter'],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort', 'unsupported_value'],
    [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type', 'unsupported_value'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }, 'messages[0].content[0]', 'unsupported_parameter'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AA==' } }] }] }, 'messages[0].content[0].image_url.url', 'unsupported_value'],
    [{ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }, 'messages[0].content[0].file', 'unsupported_parameter'],
    [{ messages: [USER, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[1].tool_calls[0].function.arguments', 'unsupported_value'],
    [{ messages: [{ role: 'narrator', content: 'x' }] }, 'messages[0].role', 'unsupported_value'],
  ])('refuses %j naming %s', (body, param, code) => {
    const result = refused(body);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code } });
  });

  it('accepts the defaults a client sends for what Anthropic lacks', () => {
    expect(ok({ messages: [USER], n: 1, logprobs: false, frequency_penalty: 0, presence_penalty: 0, logit_bias: {}, response_format: { type: 'text' }, temperature: 1 }).temperature).toBe(1);
  });
});
