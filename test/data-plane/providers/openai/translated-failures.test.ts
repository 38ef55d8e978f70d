// How translated chat-completions calls (Anthropic and Gemini models on /v1/chat/completions)
// fail, held to the native routes' standard: a stream cut or stalled midway ends with OpenAI's
// error frame after the chunks that arrived; an error before any answer reaches the OpenAI SDK
// in OpenAI's shape with the provider's status; every failure is recorded once, with the
// provider's partial counts where it reported some and an estimate where it did not.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import * as anthropicFake from '../../../helpers/fake-anthropic.js';
import * as geminiFake from '../../../helpers/fake-gemini.js';

const ANTHROPIC_MODEL = 'claude-sonnet-4-5';
const GEMINI_MODEL = 'gemini-2.5-flash';
const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];
// The gateway's own estimate when the provider reported nothing: a quarter of the message characters.
const ESTIMATED_INPUT = Math.ceil(('Be brief.'.length + 'Say hello'.length) / 4);
// What the fakes report for the translated prompt (their documented counting rules):
// Anthropic: 2 system words + 3 per message + 2 words; Gemini: 2 system words + 2 words.
const ANTHROPIC_INPUT = 2 + 3 + 2;
const GEMINI_PROMPT = 2 + 2;
const TIMEOUT_MS = 300;

let anthropic: anthropicFake.FakeAnthropic;
let gemini: geminiFake.FakeGemini;
let key: TestKey;
/** Default timeouts. */
let dataPlane: TestDataPlane;
let client: OpenAI;
/** Short first-byte and idle timeouts. */
let impatient: TestDataPlane;
let impatientClient: OpenAI;

beforeAll(async () => {
  anthropic = await anthropicFake.startFakeAnthropic({ chunkDelayMs: 1 });
  gemini = await geminiFake.startFakeGemini({ chunkDelayMs: 1 });
  key = createTestKey();
  const upstreams = {
    anthropic: { baseUrl: anthropic.url, apiKey: anthropic.apiKey },
    gemini: { baseUrl: gemini.url, apiKey: gemini.apiKey },
  };
  // One attempt: each upstream failure must reach the client as it came (retries: retry.test.ts).
  dataPlane = await startTestDataPlane({ keys: [key], ...upstreams, env: { UPSTREAM_MAX_ATTEMPTS: '1' } });
  impatient = await startTestDataPlane({
    keys: [key],
    ...upstreams,
    env: { UPSTREAM_MAX_ATTEMPTS: '1', UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
  impatientClient = new OpenAI({ apiKey: key.key, baseURL: `${impatient.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await impatient?.stop();
  await anthropic?.close();
  await gemini?.close();
});

beforeEach(() => {
  anthropic.reset();
  gemini.reset();
  dataPlane.usageEvents.length = 0;
  impatient.usageEvents.length = 0;
});

/** The content deltas a stream delivered before it ended, and the error it ended with (undefined: none). */
async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ contents: string[]; error: unknown }> {
  const contents: string[] = [];
  try {
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (typeof content === 'string') contents.push(content);
    }
    return { contents, error: undefined };
  } catch (error) {
    return { contents, error };
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

function streamed(sdk: OpenAI, model: string): Promise<AsyncIterable<ChatCompletionChunk>> {
  return sdk.chat.completions.create({ model, messages: MESSAGES, stream: true });
}

describe('a stream the provider cuts midway', () => {
  it('Anthropic: the chunks that arrived, then upstream_disconnected; input as message_start reported it, output estimated', async () => {
    anthropic.enqueue(anthropicFake.cutStream(2, 'destroy', { usage: { cache_read_input_tokens: 30 } }));
    const { contents, error } = await drain(await streamed(client, ANTHROPIC_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, error: { type: 'server_error', code: 'upstream_disconnected' } });
    const [event] = await dataPlane.waitForUsage(1);
    // message_start's input counts are Anthropic's own and final; only the output is a character estimate.
    expect(event).toMatchObject({
      provider: 'anthropic',
      status: 'UPSTREAM_ERROR',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ANTHROPIC_INPUT + 30,
      cachedInputTokens: 30,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
    expect(event!.ttftMs).not.toBeNull();
    expect(dataPlane.usageEvents).toHaveLength(1);
  });

  it("Gemini: the chunks that arrived, then upstream_disconnected; Gemini's last cumulative usage, marked estimated", async () => {
    gemini.enqueue(geminiFake.cutStream(2, 'destroy'));
    const { contents, error } = await drain(await streamed(client, GEMINI_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ error: { type: 'server_error', code: 'upstream_disconnected' } });
    const [event] = await dataPlane.waitForUsage(1);
    // Each chunk carried the usage so far: the prompt and the two tokens generated before the cut.
    expect(event).toMatchObject({ provider: 'gemini', status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, inputTokens: GEMINI_PROMPT, outputTokens: 2 });
  });

  it('Gemini without usage on the chunks before the cut: estimated from the characters', async () => {
    gemini.enqueue(geminiFake.cutStream(2, 'destroy', { usageOnLastChunkOnly: true }));
    const { contents, error } = await drain(await streamed(client, GEMINI_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toMatchObject({ error: { code: 'upstream_disconnected' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'UPSTREAM_ERROR',
      usageEstimated: true,
      inputTokens: ESTIMATED_INPUT,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
  });
});

describe('a stream that stalls midway', () => {
  it('Anthropic: the chunks that arrived, then upstream_timeout; TIMEOUT, the upstream aborted', async () => {
    anthropic.enqueue(anthropicFake.cutStream(2, 'stall'));
    const { contents, error } = await drain(await streamed(impatientClient, ANTHROPIC_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ error: { type: 'server_error', code: 'upstream_timeout' } });
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({
      provider: 'anthropic',
      status: 'TIMEOUT',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ANTHROPIC_INPUT,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
    expect((await anthropic.settled(anthropic.requests[0]!)).aborted).toBe(true);
  });

  it('Gemini: the chunks that arrived, then upstream_timeout; TIMEOUT, the upstream aborted', async () => {
    gemini.enqueue(geminiFake.cutStream(2, 'stall'));
    const { contents, error } = await drain(await streamed(impatientClient, GEMINI_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ error: { type: 'server_error', code: 'upstream_timeout' } });
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'TIMEOUT', httpStatus: 200, usageEstimated: true, inputTokens: GEMINI_PROMPT, outputTokens: 2 });
    expect((await gemini.settled(gemini.requests[0]!)).aborted).toBe(true);
  });
});

describe('no answer before the first-byte timeout', () => {
  // Per provider: queue two hanging answers, and whether each request's connection ended aborted.
  const hanging = {
    anthropic: {
      model: ANTHROPIC_MODEL,
      enqueue: () => anthropic.enqueue(anthropicFake.hang(), anthropicFake.hang()),
      aborted: () => Promise.all(anthropic.requests.map(async (request) => (await anthropic.settled(request)).aborted)),
    },
    gemini: {
      model: GEMINI_MODEL,
      enqueue: () => gemini.enqueue(geminiFake.hang(), geminiFake.hang()),
      aborted: () => Promise.all(gemini.requests.map(async (request) => (await gemini.settled(request)).aborted)),
    },
  };
  for (const [provider, fake] of Object.entries(hanging)) {
    it(`${provider}: 504 upstream_timeout in OpenAI's shape, streamed or not; TIMEOUT with the prompt estimated`, async () => {
      fake.enqueue();
      // Side by side: each waits out the timeout.
      const errors = await Promise.all(
        [true, false].map((stream) => rejection(impatientClient.chat.completions.create({ model: fake.model, messages: MESSAGES, stream }))),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect(error).toMatchObject({ status: 504, error: { type: 'server_error', code: 'upstream_timeout', param: null } });
      }
      const events = await impatient.waitForUsage(2);
      // The provider had the request and may bill its prompt; nothing was generated.
      for (const event of events) {
        expect(event).toMatchObject({ provider, status: 'TIMEOUT', httpStatus: 504, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: 0, ttftMs: null });
      }
      expect(await fake.aborted()).toEqual([true, true]);
    });
  }
});

describe('an error the provider answers to a streaming request', () => {
  it("Anthropic 400 invalid_request_error: BadRequestError with Anthropic's message; UPSTREAM_ERROR without tokens", async () => {
    anthropic.enqueue(anthropicFake.badRequest('messages: text content blocks must be non-empty'));
    const error = await rejection(streamed(client, ANTHROPIC_MODEL));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: 'messages: text content blocks must be non-empty',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_request_error',
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'UPSTREAM_ERROR', httpStatus: 400, usageEstimated: false, inputTokens: 0, outputTokens: 0, costPicoUsd: '0' });
  });

  it('Anthropic 529 overloaded_error: InternalServerError with status 529', async () => {
    anthropic.enqueue(anthropicFake.overloaded());
    const error = await rejection(streamed(client, ANTHROPIC_MODEL));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 529, error: { message: 'Overloaded', type: 'server_error', code: 'overloaded_error' } });
    expect(anthropic.requests).toHaveLength(1);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 529, usageEstimated: false, inputTokens: 0, outputTokens: 0 });
  });

  it('Gemini 400 INVALID_ARGUMENT: BadRequestError with code invalid_argument; UPSTREAM_ERROR without tokens', async () => {
    gemini.enqueue(geminiFake.invalidArgument('* GenerateContentRequest.generation_config.temperature: must be <= 2\n'));
    const error = await rejection(streamed(client, GEMINI_MODEL));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: '* GenerateContentRequest.generation_config.temperature: must be <= 2\n',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_argument',
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'UPSTREAM_ERROR', httpStatus: 400, usageEstimated: false, inputTokens: 0, outputTokens: 0, costPicoUsd: '0' });
  });

  it('Gemini 503 UNAVAILABLE: InternalServerError with status 503', async () => {
    gemini.enqueue(geminiFake.unavailable());
    const error = await rejection(streamed(client, GEMINI_MODEL));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, error: { message: 'The model is overloaded. Please try again later.', type: 'server_error', code: 'unavailable' } });
    expect(gemini.requests).toHaveLength(1);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 503, usageEstimated: false, inputTokens: 0, outputTokens: 0 });
  });
});

describe('an error the provider answers to a non-streaming request', () => {
  it('Gemini 503 UNAVAILABLE: InternalServerError with status 503; UPSTREAM_ERROR without tokens', async () => {
    gemini.enqueue(geminiFake.unavailable());
    const error = await rejection(client.chat.completions.create({ model: GEMINI_MODEL, messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, error: { type: 'server_error', code: 'unavailable' } });
    expect(gemini.requests[0]?.path).toBe(`/v1beta/models/${GEMINI_MODEL}:generateContent`);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'UPSTREAM_ERROR', httpStatus: 503, usageEstimated: false, inputTokens: 0, outputTokens: 0 });
  });
});

describe("the provider's own error event after the stream began", () => {
  it("Anthropic overloaded_error: the chunks before it, then OpenAI's error frame; UPSTREAM_ERROR with message_start's input", async () => {
    anthropic.enqueue(anthropicFake.streamError(3));
    const { contents, error } = await drain(await streamed(client, ANTHROPIC_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from', ' the']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, error: { message: 'Overloaded', type: 'server_error', code: 'overloaded_error' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      provider: 'anthropic',
      status: 'UPSTREAM_ERROR',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ANTHROPIC_INPUT,
      outputTokens: Math.ceil('Hello from the'.length / 4),
    });
  });

  it("Gemini INTERNAL: the chunks before it, then OpenAI's error frame; UPSTREAM_ERROR with the last usage", async () => {
    gemini.enqueue(geminiFake.streamError(2));
    const { contents, error } = await drain(await streamed(client, GEMINI_MODEL));
    expect(contents).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, error: { message: 'An internal error has occurred.', type: 'server_error', code: 'internal' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ provider: 'gemini', status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, inputTokens: GEMINI_PROMPT, outputTokens: 2 });
  });
});

describe('what the providers receive', () => {
  /** Every header value and the body, to prove the client's TokenByte key went nowhere upstream. */
  function everythingSent(request: { headers: Record<string, string>; rawBody: string }): string {
    return [...Object.values(request.headers), request.rawBody].join('\n');
  }

  it("Anthropic: /v1/messages with anthropic-version and our key, never the client's key (sent as Bearer and as x-api-key)", async () => {
    const sdk = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-api-key': key.key } });
    await sdk.chat.completions.create({ model: ANTHROPIC_MODEL, messages: MESSAGES });
    expect((await drain(await streamed(sdk, ANTHROPIC_MODEL))).error).toBeUndefined();
    expect(anthropic.requests).toHaveLength(2);
    for (const request of anthropic.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/v1/messages', status: 200 });
      expect(request.headers['anthropic-version']).toBe(anthropicFake.ANTHROPIC_VERSION);
      expect(request.headers['x-api-key']).toBe(anthropic.apiKey);
      expect(request.headers['authorization']).toBeUndefined();
      expect(everythingSent(request)).not.toContain(key.key);
    }
    expect(anthropic.requests.map((request) => (request.body as { stream?: boolean }).stream)).toEqual([undefined, true]);
  });

  it("Gemini: :generateContent and :streamGenerateContent?alt=sse under /v1beta with our key, never the client's", async () => {
    const sdk = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-goog-api-key': key.key } });
    await sdk.chat.completions.create({ model: GEMINI_MODEL, messages: MESSAGES });
    expect((await drain(await streamed(sdk, GEMINI_MODEL))).error).toBeUndefined();
    expect(gemini.requests.map((request) => [request.method, request.path, request.query])).toEqual([
      ['POST', `/v1beta/models/${GEMINI_MODEL}:generateContent`, {}],
      ['POST', `/v1beta/models/${GEMINI_MODEL}:streamGenerateContent`, { alt: 'sse' }],
    ]);
    for (const request of gemini.requests) {
      expect(request.status).toBe(200);
      expect(request.headers['x-goog-api-key']).toBe(gemini.apiKey);
      expect(request.headers['authorization']).toBeUndefined();
      expect(everythingSent(request)).not.toContain(key.key);
    }
  });
});
