// Proves the fake upstream is faithful by driving it with the official openai SDK: if the SDK
// parses and classifies its answers like the real API's, gateway tests built on it mean something.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_COMPLETION_TEXT,
  FAKE_UPSTREAM_API_KEY,
  badRequest,
  buildResponsesUsage,
  countPromptTokens,
  countWords,
  countResponsesInputTokens,
  cutStream,
  fakeEmbedding,
  hang,
  rateLimited,
  reply,
  serverError,
  slowStream,
  startFakeOpenAI,
  type FakeOpenAI,
  type RecordedRequest,
} from './fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello to the gateway' },
];
// (3 words + 3) + (5 words + 3), by the documented rule.
const PROMPT_TOKENS = 14;
// "Hello", " from", " the", " fake", " upstream!"
const DEFAULT_PIECES = 5;

const EXPECTED_USAGE = {
  prompt_tokens: PROMPT_TOKENS,
  completion_tokens: DEFAULT_PIECES,
  total_tokens: PROMPT_TOKENS + DEFAULT_PIECES,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: FAKE_UPSTREAM_API_KEY, baseURL: fake.url, maxRetries: 0 });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.setReply({});
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function onlyRequest(): RecordedRequest {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

/** `apiKey: null` sends no Authorization header at all. */
async function rawPost(path: string, body: string, apiKey: string | null = FAKE_UPSTREAM_API_KEY): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== null) headers['authorization'] = `Bearer ${apiKey}`;
  return fetch(`${fake.origin}${path}`, { method: 'POST', headers, body });
}

describe('fake OpenAI upstream, driven by the openai SDK', () => {
  it('listens on 127.0.0.1 with a /v1 base URL', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('answers a non-streaming chat completion in the real shape, with real headers', async () => {
    const { data, response, request_id } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .withResponse();

    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.object).toBe('chat.completion');
    expect(Math.abs(data.created - Date.now() / 1000)).toBeLessThan(5);
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: DEFAULT_COMPLETION_TEXT, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(countPromptTokens(MESSAGES)).toBe(PROMPT_TOKENS);
    expect(data.usage).toEqual(EXPECTED_USAGE);
    expect(data.service_tier).toBe('default');
    expect(data.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-request-id')).toBe(request_id);
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(Number(response.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(10000);
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('200000');
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(200000);
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?m?s$/);
    expect(response.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(\.\d+)?m?s$/);

    const recorded = onlyRequest();
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 200, aborted: false });
    expect(recorded.headers['authorization']).toBe(`Bearer ${FAKE_UPSTREAM_API_KEY}`);
    expect(recorded.headers['content-type']).toBe('application/json');
    expect(recorded.body).toEqual({ model: 'gpt-4o-mini', messages: MESSAGES });
  });

  it('uses scripted text and usage once, then falls back to the default reply', async () => {
    fake.enqueue(reply({ content: 'Custom answer here', usage: { cached_tokens: 4, reasoning_tokens: 10 } }));
    const scripted = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(scripted.choices[0]?.message.content).toBe('Custom answer here');
    expect(scripted.usage).toMatchObject({
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: 3 + 10,
      total_tokens: PROMPT_TOKENS + 13,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
    expect(fake.pendingBehaviours).toBe(0);

    const next = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(next.choices[0]?.message.content).toBe(DEFAULT_COMPLETION_TEXT);
  });

  it('stops at max_completion_tokens with finish_reason "length"', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      max_completion_tokens: 2,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('streams role, content and finish chunks without usage unless asked', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const chunks = await collect(stream);

    expect(chunks).toHaveLength(1 + DEFAULT_PIECES + 1);
    expect(chunks[0]?.choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
    ]);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(DEFAULT_COMPLETION_TEXT);
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: chunks[0]?.id, object: 'chat.completion.chunk', model: 'gpt-4o-mini' });
      expect(chunk.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
      expect(chunk).not.toHaveProperty('usage');
      expect(typeof chunk.obfuscation).toBe('string');
    }
    expect(onlyRequest()).toMatchObject({ chunksSent: chunks.length, aborted: false, closed: true });
  });

  it('adds usage: null to every chunk and a final usage chunk with stream_options.include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    expect(chunks).toHaveLength(1 + DEFAULT_PIECES + 1 + 1);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.usage).toBeNull();
      expect(chunk.choices).toHaveLength(1);
    }
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(EXPECTED_USAGE);
  });

  it('puts each chunk on the wire separately, framed as SSE and ended by [DONE]', async () => {
    fake.enqueue(slowStream(40));
    const started = Date.now();
    const response = await rawPost(
      '/v1/chat/completions',
      JSON.stringify({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');

    const reads: Array<{ at: number; text: string }> = [];
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      reads.push({ at: Date.now() - started, text: decoder.decode(read.value) });
    }
    const wire = reads.map((read) => read.text).join('');

    expect(wire).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const frames = wire.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(8 + 1);
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice('data: '.length)) as Record<string, unknown>);
    expect(Object.keys(chunks[0]!)).toEqual([
      'id',
      'object',
      'created',
      'model',
      'service_tier',
      'system_fingerprint',
      'choices',
      'usage',
    ]);
    // 8 JSON chunks 40ms apart must arrive as at least 8 reads spread over ~280ms; a buffer would merge them.
    expect(reads.length).toBeGreaterThanOrEqual(8);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual(7 * 40 * 0.8);
  });

  it('returns embeddings the SDK decodes from its default base64 encoding', async () => {
    const inputs = ['hello world', 'a second input here'];
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: inputs, dimensions: 8 });

    expect(response.object).toBe('list');
    expect(response.model).toBe('text-embedding-3-small');
    expect(response.data.map(({ object, index }) => ({ object, index }))).toEqual([
      { object: 'embedding', index: 0 },
      { object: 'embedding', index: 1 },
    ]);
    expect(response.data[0]?.embedding).toEqual(fakeEmbedding('hello world', 8));
    expect(response.data[1]?.embedding).toEqual(fakeEmbedding('a second input here', 8));
    const norm = Math.hypot(...response.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 5);
    expect(response.usage).toEqual({ prompt_tokens: 2 + 4, total_tokens: 2 + 4 });

    const recorded = onlyRequest();
    expect(recorded.body).toMatchObject({ encoding_format: 'base64' });
    const wire = (await (await rawPost('/v1/embeddings', recorded.rawBody)).json()) as { data: Array<{ embedding: unknown }> };
    expect(typeof wire.data[0]?.embedding).toBe('string');
  });

  it('returns float embeddings when asked, identical to the base64 ones, 1536 long by default', async () => {
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello world',
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toHaveLength(1536);
    const base64 = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    expect(base64.data[0]?.embedding).toEqual(floats.data[0]?.embedding);
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('text-embedding-3-small');

    const model = await client.models.retrieve('gpt-4o-mini');
    expect(model).toEqual({ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'openai' });

    const missing = await client.models.retrieve('gpt-9').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('rejects a wrong key with 401 invalid_api_key, surfacing as AuthenticationError', async () => {
    const wrongKey = 'sk-wrong-key-1234567890';
    const wrong = new OpenAI({ apiKey: wrongKey, baseURL: fake.url, maxRetries: 0 });
    const error = await wrong.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error', param: null });
    expect((error as Error).message).toBe(
      '401 Incorrect API key provided: sk-****************7890. ' +
        'You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(onlyRequest().headers['authorization']).toBe(`Bearer ${wrongKey}`);

    const missing = await rawPost('/v1/chat/completions', '{}', null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', code: null } });
  });

  it('plays a scripted 429 as RateLimitError with retry-after and rate-limit headers, once', async () => {
    fake.enqueue(rateLimited({ retryAfterSeconds: 7 }));
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(rateLimit.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(rateLimit.requestID).toMatch(/^req_/);
    expect(onlyRequest().status).toBe(429);

    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })).resolves.toBeTruthy();
  });

  it('plays scripted 500 and 400 errors, optionally only for one path', async () => {
    fake.enqueue({ ...serverError(), path: '/v1/embeddings' }, badRequest("Invalid value for 'temperature'.", 'temperature'));

    const bad = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((caught: unknown) => caught);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'temperature', code: null });

    const broken = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'x' })
      .catch((caught: unknown) => caught);
    expect(broken).toBeInstanceOf(OpenAI.InternalServerError);
    expect(broken).toMatchObject({ status: 500, type: 'server_error', code: null });
    expect(fake.pendingBehaviours).toBe(0);
  });

  it('records that a client aborted a slow stream midway', async () => {
    fake.enqueue(slowStream(50));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    let received = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      received += 1;
      if (received === 2) break; // The SDK aborts the HTTP request when iteration stops early.
    }

    const recorded = await fake.settled(onlyRequest());
    expect(recorded.aborted).toBe(true);
    expect(recorded.chunksSent).toBeGreaterThanOrEqual(2);
    expect(recorded.chunksSent).toBeLessThan(1 + DEFAULT_PIECES + 1);
  });

  it('hangs on request, and records the abort when the client times out', async () => {
    fake.enqueue(hang());
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES }, { timeout: 200 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    const recorded = await fake.settled(onlyRequest());
    expect(recorded).toMatchObject({ aborted: true, status: undefined, chunksSent: 0 });
  });

  it('cuts a stream midway: no finish chunk, no usage, no [DONE]', async () => {
    fake.enqueue(cutStream(2));
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const wire = await (await rawPost('/v1/chat/completions', body)).text();
    expect(wire).not.toContain('[DONE]');
    expect(wire).not.toContain('"finish_reason":"stop"');
    expect(wire).not.toContain('"prompt_tokens"');
    expect(wire.split('\n\n').filter(Boolean)).toHaveLength(3);

    fake.enqueue(cutStream(2));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const chunks = await collect(stream);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(['', 'Hello', ' from']);
    expect(fake.requests.every((request) => !request.aborted)).toBe(true);
  });

  it('can cut a stream by destroying the socket, which the SDK reports as an error', async () => {
    fake.enqueue(cutStream(1, 'destroy'));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    await expect(collect(stream)).rejects.toThrow();
    const recorded = await fake.settled(onlyRequest());
    expect(recorded.aborted).toBe(false);
  });

  it('can stall a stream midway, keeping the connection open until the client gives up', async () => {
    fake.enqueue(cutStream(1, 'stall'));
    const controller = new AbortController();
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_UPSTREAM_API_KEY}`, 'content-type': 'application/json' },
      body,
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let wire = '';
    while (wire.split('\n\n').filter(Boolean).length < 2) wire += new TextDecoder().decode((await reader.read()).value);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const recorded = onlyRequest();
    expect(recorded).toMatchObject({ chunksSent: 2, closed: false });

    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    expect((await fake.settled(recorded)).aborted).toBe(true);
  });

  it('answers unknown paths and bad JSON with OpenAI error bodies', async () => {
    const unknown = await rawPost('/v1/nope', '{}');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error', param: null, code: null },
    });

    const badJson = await rawPost('/v1/chat/completions', '{"model":');
    expect(badJson.status).toBe(400);
    const parsed = (await badJson.json()) as { error: { message: string; type: string } };
    expect(parsed.error.type).toBe('invalid_request_error');
    expect(parsed.error.message).toMatch(/^We could not parse the JSON body of your request/);
  });
});

describe('fake OpenAI upstream, Responses API', () => {
  const request = { model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'Say hello to the gateway' };
  // 3 words of instructions + 5 of input, by the documented rule.
  const usage = buildResponsesUsage(8, DEFAULT_PIECES);

  async function events(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
    const all: ResponseStreamEvent[] = [];
    for await (const event of stream) all.push(event);
    return all;
  }

  it('answers a Response object the SDK reads, with its output text and usage', async () => {
    expect(countResponsesInputTokens(request)).toBe(8);
    const response = await client.responses.create(request);
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-mini', error: null, instructions: 'You are terse.' });
    expect(response.id).toMatch(/^resp_[0-9a-f]{50}$/);
    expect(response.output_text).toBe(DEFAULT_COMPLETION_TEXT);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', id: expect.stringMatching(/^msg_/) });
    expect(response.usage).toEqual({
      input_tokens: 8,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: DEFAULT_PIECES,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8 + DEFAULT_PIECES,
    });
    expect(usage).toEqual(response.usage);
    expect(onlyRequest()).toMatchObject({ method: 'POST', path: '/v1/responses', body: request });
  });

  it('counts message items and scripted cached and reasoning tokens', async () => {
    const input = [{ role: 'user' as const, content: [{ type: 'input_text' as const, text: 'two words' }] }];
    fake.enqueue(reply({ usage: { cached_tokens: 2, reasoning_tokens: 7 } }));
    const response = await client.responses.create({ model: 'gpt-4o-mini', input });
    expect(response.usage).toMatchObject({ input_tokens: 3 + 2, input_tokens_details: { cached_tokens: 2 }, output_tokens: DEFAULT_PIECES + 7, output_tokens_details: { reasoning_tokens: 7 } });
  });

  it('streams the real event sequence, numbered from 0, framed with event: lines and no [DONE]', async () => {
    const all = await events(await client.responses.create({ ...request, stream: true }));
    expect(all.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(DEFAULT_PIECES).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(all.map((event) => event.sequence_number)).toEqual(all.map((_, index) => index));
    const deltas = all.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
    expect(deltas.join('')).toBe(DEFAULT_COMPLETION_TEXT);
    const created = all[0];
    expect(created?.type === 'response.created' && created.response).toMatchObject({ status: 'in_progress', usage: null, output: [] });
    const completed = all.at(-1);
    expect(completed?.type === 'response.completed' && completed.response).toMatchObject({ status: 'completed', usage });
    expect(onlyRequest().chunksSent).toBe(all.length);

    const wire = await (await rawPost('/v1/responses', JSON.stringify({ ...request, stream: true }))).text();
    const frames = wire.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(all.length);
    for (const frame of frames) {
      const [eventLine, dataLine] = frame.split('\n');
      expect(eventLine).toBe(`event: ${(JSON.parse(dataLine!.slice('data: '.length)) as { type: string }).type}`);
    }
    expect(wire).not.toContain('[DONE]');
  });

  it('stops at max_output_tokens with an incomplete response', async () => {
    const all = await events(await client.responses.create({ ...request, stream: true, max_output_tokens: 2 }));
    const last = all.at(-1);
    expect(last?.type).toBe('response.incomplete');
    expect(last?.type === 'response.incomplete' && last.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      usage: { output_tokens: 2 },
    });
    const whole = await client.responses.create({ ...request, max_output_tokens: 2 });
    expect(whole).toMatchObject({ status: 'incomplete', output_text: 'Hello from' });
  });

  it('can fail a response: the stream ends with response.failed, carrying the error and the usage', async () => {
    fake.enqueue(reply({ fail: { code: 'server_error', message: 'The model failed.' } }));
    const all = await events(await client.responses.create({ ...request, stream: true }));
    const last = all.at(-1);
    expect(last?.type).toBe('response.failed');
    expect(last?.type === 'response.failed' && last.response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'The model failed.' }, usage });
  });

  it('cuts a stream after that many deltas: no done events, no terminal event, no usage', async () => {
    fake.enqueue(cutStream(2));
    const all = await events(await client.responses.create({ ...request, stream: true }));
    expect(all.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
    ]);
    fake.enqueue(cutStream(1, 'destroy'));
    await expect(events(await client.responses.create({ ...request, stream: true }))).rejects.toThrow();
  });

  it('plays scripted errors on /v1/responses only when asked for that path', async () => {
    fake.enqueue({ ...rateLimited({ retryAfterSeconds: 3 }), path: '/v1/responses' });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })).resolves.toBeTruthy();
    const error = await client.responses.create(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');
    const missing = await rawPost('/v1/responses', JSON.stringify({ input: 'x' }));
    expect(missing.status).toBe(400);
  });

  it('stores responses: retrieve, list input items, refuse to cancel, delete; unknown ids are 404 in the real shape', async () => {
    const created = await client.responses.create({ ...request, metadata: { run: '1' } });
    expect(fake.hasStoredResponse(created.id)).toBe(true);
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toEqual(created);
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data).toEqual([expect.objectContaining({ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.input }], id: expect.stringMatching(/^msg_/) })]);
    const cancel = await client.responses.cancel(created.id).catch((caught: unknown) => caught);
    expect(cancel).toBeInstanceOf(OpenAI.BadRequestError);
    expect(cancel).toMatchObject({ status: 400, error: { message: 'Cannot cancel a synchronous response.' } });

    const replay = await events(await client.responses.retrieve(created.id, { stream: true, starting_after: 10 }));
    expect(replay.map((event) => event.sequence_number)).toEqual([11, 12]);
    expect(replay.at(-1)?.type === 'response.completed' && replay.at(-1)).toMatchObject({ response: { id: created.id } });

    await client.responses.delete(created.id);
    expect(fake.hasStoredResponse(created.id)).toBe(false);
    for (const call of [() => client.responses.retrieve(created.id), () => client.responses.delete(created.id), () => client.responses.cancel(created.id)]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: `Response with id '${created.id}' not found.`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
    }
    const unstored = await client.responses.create({ ...request, store: false });
    expect(fake.hasStoredResponse(unstored.id)).toBe(false);
  });

  it('starts the output with a reasoning item when scripted, its summary streamed as deltas of that item', async () => {
    const script = { reasoning: { summary: ['Weighing', ' it'] }, usage: { reasoning_tokens: 4 } };
    fake.enqueue(reply(script));
    const all = await events(await client.responses.create({ ...request, stream: true }));
    expect(all.map((event) => event.type).slice(2, 10)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
    ]);
    const added = all[2];
    if (added?.type !== 'response.output_item.added') throw new Error('no reasoning item');
    expect(added.item).toMatchObject({ type: 'reasoning', id: expect.stringMatching(/^rs_[0-9a-f]{50}$/), summary: [] });
    for (const event of all.slice(3, 8)) expect(event).toMatchObject({ item_id: added.item.id, output_index: 0 });
    const completed = all.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    fake.enqueue(reply(script));
    const whole = await client.responses.create(request);
    expect(whole.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Weighing it' }] });
    expect(whole.output_text).toBe(DEFAULT_COMPLETION_TEXT);
  });

  it('stores input and output items: an item_reference or an item sent back by id is resolved, an unknown id is 404 in the real shape', async () => {
    fake.enqueue(reply({ reasoning: {} }));
    const first = await client.responses.create(request);
    const [reasoning, message] = first.output;
    if (reasoning?.type !== 'reasoning' || message?.type !== 'message') throw new Error('unexpected output');
    expect(fake.hasStoredItem(message.id)).toBe(true);
    const inputItem = (await client.responses.inputItems.list(first.id)).data[0]!;
    expect(fake.hasStoredItem(inputItem.id)).toBe(true);

    // The referenced message's words count as input, as if it had been sent.
    const next = await client.responses.create({ model: 'gpt-4o-mini', input: [reasoning, { type: 'item_reference', id: message.id }, { role: 'user', content: 'more' }] });
    expect(next.usage?.input_tokens).toBe(3 + 3 + countWords(DEFAULT_COMPLETION_TEXT) + 3 + 1);
    expect((await client.responses.inputItems.list(next.id, { order: 'asc' })).data.map((item) => item.id).slice(0, 2)).toEqual([reasoning.id, message.id]);

    for (const [input, store] of [[[{ type: 'item_reference' as const, id: 'msg_unknown' }], true], [[{ ...reasoning, id: 'rs_unknown' }], false]] as const) {
      const error = await client.responses.create({ model: 'gpt-4o-mini', input: [...input], store }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      const id = input[0].id;
      const why = store ? '' : ' Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.';
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({ message: `Item with id '${id}' not found.${why}`, type: 'invalid_request_error', param: 'input', code: null });
    }

    const other = await startFakeOpenAI({ apiKey: 'sk-other-organisation' });
    try {
      const elsewhere = new OpenAI({ apiKey: other.apiKey, baseURL: other.url, maxRetries: 0 });
      const error = await elsewhere.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: message.id }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await other.close();
    }
  });

  it('continues a stored response with previous_response_id, billing its context as input; an unknown one is 404', async () => {
    const first = await client.responses.create(request);
    const next = await client.responses.create({ model: 'gpt-4o-mini', input: 'And again', previous_response_id: first.id });
    expect(next.previous_response_id).toBe(first.id);
    expect(next.usage?.input_tokens).toBe(first.usage!.input_tokens + first.usage!.output_tokens + 2);

    const other = await startFakeOpenAI({ apiKey: 'sk-other-organisation' });
    try {
      const elsewhere = new OpenAI({ apiKey: other.apiKey, baseURL: other.url, maxRetries: 0 });
      const error = await elsewhere.responses.create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: first.id }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: `Previous response with id '${first.id}' not found.`,
        type: 'invalid_request_error',
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      });
    } finally {
      await other.close();
    }
  });
});
