// Gemini SSE → OpenAI chat.completion.chunk SSE, incrementally: the same frames however the
// upstream bytes are cut, and a stream the official OpenAI SDK consumes as its own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiToOpenAIStream } from '../../../../../data-plane/providers/gemini/translate/chat-stream.js';

const encoder = new TextEncoder();
const OPTIONS = { model: 'gemini-2.5-flash', id: 'chatcmpl-test', created: 1_700_000_000 };

function ids(): () => string {
  let next = 0;
  return () => `call_${++next}`;
}

const CHUNKS = [
  { candidates: [{ content: { role: 'model', parts: [{ text: 'Let me check, ' }] }, index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3, totalTokenCount: 12 } },
  { candidates: [{ content: { role: 'model', parts: [{ text: 'né ☃' }] }, index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, totalTokenCount: 14 } },
  {
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 25, thoughtsTokenCount: 4, cachedContentTokenCount: 2, totalTokenCount: 38 },
  },
];
const UPSTREAM = encoder.encode(CHUNKS.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(''));

function translateAll(bytes: Uint8Array, cuts: number[], includeUsage: boolean): string {
  const translator = createGeminiToOpenAIStream({ ...OPTIONS, includeUsage, newToolCallId: ids() });
  let out = '';
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += translator.push(bytes.subarray(start, cut));
    start = cut;
  }
  expect(translator.finished()).toBe(true);
  return out + translator.end();
}

function frames(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      const data = frame.slice('data: '.length);
      return data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as unknown);
    });
}

describe('createGeminiToOpenAIStream', () => {
  it('emits a role chunk first, text deltas, tool calls, the finish chunk, the usage chunk and [DONE]', () => {
    const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gemini-2.5-flash', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
    expect(frames(translateAll(UPSTREAM, [], true))).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Let me check, ' }),
      chunk({ content: 'né ☃' }),
      chunk({
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      }),
      chunk({}, 'tool_calls'),
      {
        id: 'chatcmpl-test',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'gemini-2.5-flash',
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 29, total_tokens: 38, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 4 } },
      },
      '[DONE]',
    ]);
  });

  it('produces the same frames wherever the upstream bytes are cut (every single split, and byte by byte)', () => {
    const whole = translateAll(UPSTREAM, [], false);
    expect(whole).not.toContain('"usage"');
    for (let cut = 0; cut <= UPSTREAM.length; cut++) expect(translateAll(UPSTREAM, [cut], false)).toBe(whole);
    expect(translateAll(UPSTREAM, Array.from({ length: UPSTREAM.length }, (_, index) => index), false)).toBe(whole);
  });

  it('turns a Google error event into an OpenAI error event and sends nothing after it', () => {
    const translator = createGeminiToOpenAIStream({ ...OPTIONS, includeUsage: true });
    const first = translator.push(UPSTREAM.subarray(0, UPSTREAM.indexOf(0x0a) + 3));
    const error = translator.push(encoder.encode('data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n'));
    expect(frames(first)).toHaveLength(2);
    expect(frames(error)).toEqual([{ error: { message: 'The model is overloaded.', type: 'server_error', param: null, code: 'unavailable' } }]);
    expect(translator.push(UPSTREAM)).toBe('');
    expect(translator.end()).toBe('');
    expect(translator.finished()).toBe(false);
    expect(translator.failed()).toBe(true);
  });

  it('sends no [DONE] (nor usage chunk) for a stream that ended before its finish chunk: the client must not take it for a whole answer', () => {
    const translator = createGeminiToOpenAIStream({ ...OPTIONS, includeUsage: true, newToolCallId: ids() });
    const partial = encoder.encode(CHUNKS.slice(0, 2).map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(''));
    const out = translator.push(partial) + translator.end();
    expect(translator.finished()).toBe(false);
    expect(out).toContain('né ☃');
    expect(out).not.toContain('[DONE]');
    expect(out).not.toContain('"usage":{');
  });

  it('maps MAX_TOKENS to length and a blocked prompt to content_filter', () => {
    const maxed = encoder.encode(`data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Hi' }] }, finishReason: 'MAX_TOKENS' }] })}\r\n\r\n`);
    expect(frames(translateAll(maxed, [], false)).at(-2)).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    const blocked = encoder.encode(`data: ${JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' } })}\r\n\r\n`);
    expect(frames(translateAll(blocked, [], false)).map((frame) => (frame === '[DONE]' ? frame : (frame as { choices: unknown[] }).choices))).toEqual([
      [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'content_filter' }],
      '[DONE]',
    ]);
  });
});

describe('consumed by the official OpenAI SDK', () => {
  let server: Server;
  let client: OpenAI;

  beforeAll(async () => {
    // Serves the translation of the Gemini stream, 7 bytes at a time, as an OpenAI upstream would.
    server = createServer((_req, res) => {
      const translator = createGeminiToOpenAIStream({ ...OPTIONS, includeUsage: true });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let at = 0; at < UPSTREAM.length; at += 7) res.write(translator.push(UPSTREAM.subarray(at, at + 7)));
      res.end(translator.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accumulates into the final completion the SDK builds from chunks: text, tool calls, finish reason, usage', async () => {
    const stream = client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Let me check, né ☃');
    expect(completion.choices[0]?.message.tool_calls?.map((call) => call.type === 'function' && [call.function.name, call.function.arguments])).toEqual([
      ['get_weather', '{"city":"Paris"}'],
      ['get_time', '{}'],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 29, total_tokens: 38 });
  });
});
