// /v1/chat/completions for Anthropic and Gemini models: the OpenAI request is translated to the
// provider's own API, sent with our key, and the answer (streamed or not) translated back;
// usage is the provider's own accounting.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import * as anthropicFake from '../../../helpers/fake-anthropic.js';
import * as geminiFake from '../../../helpers/fake-gemini.js';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } } };
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: WEATHER_SCHEMA } },
];

let anthropic: anthropicFake.FakeAnthropic;
let gemini: geminiFake.FakeGemini;
let dataPlane: TestDataPlane;
let key: TestKey;
let client: OpenAI;

beforeAll(async () => {
  anthropic = await anthropicFake.startFakeAnthropic();
  gemini = await geminiFake.startFakeGemini();
  key = createTestKey();
  dataPlane = await startTestDataPlane({
    keys: [key],
    anthropic: { baseUrl: anthropic.url, apiKey: anthropic.apiKey },
    gemini: { baseUrl: gemini.url, apiKey: gemini.apiKey },
    // One attempt: an upstream error must reach the client translated (retries: retry.test.ts).
    env: { UPSTREAM_MAX_ATTEMPTS: '1' },
  });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await anthropic?.close();
  await gemini?.close();
});

beforeEach(() => {
  anthropic.reset();
  gemini.reset();
  dataPlane.usageEvents.length = 0;
});

const ANTHROPIC_USAGE = { input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, cache_creation_1h_input_tokens: 1 };
// TokenByte's convention: input is all input (uncached + cache reads + cache writes), one-hour writes a part of the writes.
const ANTHROPIC_TOKENS = { inputTokens: 17, cachedInputTokens: 4, cacheWriteTokens: 2, cacheWrite1hTokens: 1, outputTokens: 7, reasoningTokens: 0 };
const GEMINI_USAGE = { promptTokenCount: 12, candidatesTokenCount: 5, cachedContentTokenCount: 3, thoughtsTokenCount: 2 };
// Output includes thoughts, which are also the reasoning part.
const GEMINI_TOKENS = { inputTokens: 12, cachedInputTokens: 3, cacheWriteTokens: 0, outputTokens: 7, reasoningTokens: 2 };

describe('Anthropic models on /v1/chat/completions', () => {
  it('translates a non-streamed call both ways and records Anthropic\'s usage', async () => {
    anthropic.enqueue(anthropicFake.reply({ text: 'Hello there friend', usage: ANTHROPIC_USAGE }));
    const completion = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, max_tokens: 100, temperature: 0.5 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('claude-sonnet-4-5');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello there friend' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 17, completion_tokens: 7, total_tokens: 24, prompt_tokens_details: { cached_tokens: 4 } });

    const [upstream] = anthropic.requests;
    expect(upstream?.path).toBe('/v1/messages');
    expect(upstream?.headers['x-api-key']).toBe(anthropic.apiKey);
    expect(upstream?.headers['anthropic-version']).toBe(anthropicFake.ANTHROPIC_VERSION);
    expect(upstream?.headers['authorization']).toBeUndefined();
    expect(upstream?.body).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
      temperature: 0.5,
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', status: 'SUCCESS', httpStatus: 200, usageEstimated: false, ...ANTHROPIC_TOKENS });
    // claude-sonnet-4-5: $3 input, $0.30 cached, $3.75 cache write, $15 output per million.
    expect(BigInt(event!.costPicoUsd)).toBeGreaterThan(0n);
  });

  it('streams translated chunks, with a usage chunk only when asked for', async () => {
    anthropic.enqueue(anthropicFake.reply({ text: 'Hello from Claude', usage: ANTHROPIC_USAGE }));
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, stream: true });
    let text = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello from Claude');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(anthropic.requests[0]?.body).toMatchObject({ model: 'claude-sonnet-4-5-20250929', stream: true });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'SUCCESS', usageEstimated: false, ...ANTHROPIC_TOKENS });

    anthropic.enqueue(anthropicFake.reply({ text: 'Again', usage: ANTHROPIC_USAGE }));
    const withUsage = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    const last: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of withUsage) last.push(chunk);
    expect(last.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 17, completion_tokens: 7 } });
  });

  it('round-trips a tool call', async () => {
    anthropic.enqueue(anthropicFake.reply({ text: '', toolCalls: [{ id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] }));
    const first = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, tools: TOOLS });
    const message = first.choices[0]!.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toEqual([{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(anthropic.requests[0]?.body).toMatchObject({ tools: [{ name: 'get_weather', description: 'Weather of a city', input_schema: WEATHER_SCHEMA }] });

    anthropic.enqueue(anthropicFake.reply({ text: 'Sunny in Paris' }));
    const second = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      tools: TOOLS,
      messages: [...MESSAGES, message, { role: 'tool', tool_call_id: 'toolu_01', content: '22 degrees, sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('Sunny in Paris');
    const sent = anthropic.requests[1]?.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    expect(sent.messages.at(-2)).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] });
    expect(sent.messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01' }] });
  });

  it("turns Anthropic's 429 into OpenAI's, which the SDK raises as RateLimitError", async () => {
    anthropic.enqueue(anthropicFake.rateLimited({ retryAfterSeconds: 7 }));
    const error = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'rate_limit_exceeded' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'UPSTREAM_ERROR', httpStatus: 429, inputTokens: 0, costPicoUsd: '0' });
  });

  it('refuses an untranslatable parameter with a 400 naming it, without calling Anthropic', async () => {
    const error = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, n: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ param: 'n', type: 'invalid_request_error' });
    expect(anthropic.requests).toEqual([]);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'REJECTED', httpStatus: 400 });
  });
});

describe('Gemini models on /v1/chat/completions', () => {
  it("translates a non-streamed call both ways and records Gemini's usage", async () => {
    gemini.enqueue(geminiFake.reply({ text: 'Hello from Gemini', usage: GEMINI_USAGE }));
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES, max_completion_tokens: 50 });
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.choices[0]?.message.content).toBe('Hello from Gemini');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 2 } });

    const [upstream] = gemini.requests;
    expect(upstream?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream?.headers['x-goog-api-key']).toBe(gemini.apiKey);
    expect(upstream?.headers['authorization']).toBeUndefined();
    expect(upstream?.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 50 },
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash', status: 'SUCCESS', usageEstimated: false, ...GEMINI_TOKENS });
    expect(BigInt(event!.costPicoUsd)).toBeGreaterThan(0n);
  });

  it('streams translated chunks from streamGenerateContent?alt=sse', async () => {
    gemini.enqueue(geminiFake.reply({ text: 'Streaming from Gemini', usage: GEMINI_USAGE }));
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Streaming from Gemini');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 7 } });
    expect(gemini.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(gemini.requests[0]?.query).toMatchObject({ alt: 'sse' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'SUCCESS', usageEstimated: false, ...GEMINI_TOKENS });

    gemini.enqueue(geminiFake.reply({ text: 'No usage chunk' }));
    const plain = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES, stream: true });
    const plainChunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    expect(plainChunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
  });

  it('translates a streamed function call into tool_calls', async () => {
    gemini.enqueue(geminiFake.reply({ text: '', functionCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] }));
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES, tools: TOOLS, stream: true });
    const calls: unknown[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toMatchObject([{ index: 0, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }]);
    expect(finish).toBe('tool_calls');
  });

  it("turns Gemini's 429 into OpenAI's, which the SDK raises as RateLimitError", async () => {
    gemini.enqueue(geminiFake.resourceExhausted());
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'UPSTREAM_ERROR', httpStatus: 429, costPicoUsd: '0' });
  });

  it('refuses an untranslatable parameter with a 400 naming it, without calling Gemini', async () => {
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: MESSAGES, n: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ param: 'n' });
    expect(gemini.requests).toEqual([]);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'REJECTED', httpStatus: 400 });
  });
});

describe('client aborts and unconfigured providers', () => {
  it('aborts the upstream when the client leaves mid-stream and records CLIENT_ABORT with an estimate', async () => {
    anthropic.enqueue(anthropicFake.slowStream(200, { text: 'one two three four five six seven eight' }));
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: MESSAGES, stream: true });
    // Leaving the loop aborts the SDK's request: the client is gone mid-stream.
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break;
    const [upstream] = await anthropic.waitForRequests(1);
    expect((await anthropic.settled(upstream!)).aborted).toBe(true);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'CLIENT_ABORT', usageEstimated: true });
    expect(event!.inputTokens).toBeGreaterThan(0);
  });

  it('answers 503 provider_not_configured when the provider has no upstream', async () => {
    const own = await startTestDataPlane({ keys: [key] });
    try {
      const sdk = new OpenAI({ apiKey: key.key, baseURL: `${own.url}/v1`, maxRetries: 0 });
      for (const model of ['claude-sonnet-4-5', 'gemini-2.5-flash']) {
        const error = await sdk.chat.completions.create({ model, messages: MESSAGES }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
        expect((error as InstanceType<typeof OpenAI.InternalServerError>).error).toMatchObject({ code: 'provider_not_configured' });
      }
    } finally {
      await own.stop();
    }
  });
});
