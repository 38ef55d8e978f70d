// Drives the data-plane with the official openai SDK against the fake OpenAI upstream:
// what the client sees must be what OpenAI would have sent, and what is recorded must be
// what the upstream reported.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staticPriceVersionId } from '../../../../data-plane/catalogue/static.js';
import { seedModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import {
  DEFAULT_COMPLETION_TEXT,
  buildUsage,
  countPromptTokens,
  reply,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../../../helpers/fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello to the gateway' },
];
const EXPECTED_USAGE = buildUsage(countPromptTokens(MESSAGES), 5);
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// gpt-4o-mini's seeded list prices in micro-dollars per million tokens; a token costs that many pico-dollars.
const MINI = seedModel('gpt-4o-mini').prices;

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
  dataPlane.logs.length = 0;
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('POST /v1/chat/completions, non-streaming', () => {
  it('returns the upstream completion and records its usage under the request id it returned', async () => {
    const before = Date.now();
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }).withResponse();

    expect(data.choices[0]?.message.content).toBe(DEFAULT_COMPLETION_TEXT);
    expect(data.usage).toEqual(EXPECTED_USAGE);
    const requestId = response.headers.get('x-tokenbyte-request-id');
    expect(requestId).toMatch(UUID_V7);

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toEqual({
      requestId,
      createdAt: expect.any(String),
      accountId: key.accountId,
      apiKeyId: key.apiKeyId,
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputTokens: EXPECTED_USAGE.prompt_tokens,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: EXPECTED_USAGE.completion_tokens,
      reasoningTokens: 0,
      priceVersionId: staticPriceVersionId('gpt-4o-mini'),
      costPicoUsd: String(EXPECTED_USAGE.prompt_tokens * MINI.input + EXPECTED_USAGE.completion_tokens * MINI.output),
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
      latencyMs: expect.any(Number),
      ttftMs: expect.any(Number),
      clientIp: '127.0.0.1',
      userAgent: expect.stringMatching(/^OpenAI\/JS /),
    });
    expect(Date.parse(event!.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(event!.ttftMs!).toBeLessThanOrEqual(event!.latencyMs);
  });

  it('maps cached and reasoning tokens from the usage details', async () => {
    fake.enqueue(reply({ usage: { cached_tokens: 4, reasoning_tokens: 10 } }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: EXPECTED_USAGE.prompt_tokens, cachedInputTokens: 4, outputTokens: 5 + 10, reasoningTokens: 10 });
    // Cached input at the cached price; reasoning at gpt-4o-mini's reasoning price (its output price).
    expect(MINI.cachedInput).toBe(MINI.input / 2);
    const expected = (EXPECTED_USAGE.prompt_tokens - 4) * MINI.input + 4 * MINI.cachedInput + 5 * MINI.output + 10 * MINI.reasoning;
    expect(event!.costPicoUsd).toBe(String(expected));
  });

  it('forwards the client body untouched with our upstream key and never the TokenByte key', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, temperature: 0.25 });
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.key}`,
        'x-api-key': key.key,
        'content-type': 'application/json',
        accept: 'application/json',
        'openai-beta': 'assistants=v2',
        'openai-organization': 'org-of-the-customer',
        cookie: 'session=abc',
        'x-stainless-os': 'Linux',
      },
      body,
    });
    expect(response.status).toBe(200);

    const [upstream] = fake.requests;
    expect(upstream?.rawBody).toBe(body);
    expect(upstream?.headers).toMatchObject({
      authorization: `Bearer ${fake.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'openai-beta': 'assistants=v2',
      'accept-encoding': 'identity',
    });
    for (const name of ['x-api-key', 'cookie', 'openai-organization', 'x-stainless-os']) expect(upstream?.headers).not.toHaveProperty(name);
    expect(JSON.stringify(upstream?.headers)).not.toContain(key.key);
  });

  it('accepts the key in the x-api-key header', async () => {
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: unknown }).usage).toEqual(EXPECTED_USAGE);
    expect(fake.requests[0]?.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
    expect(fake.requests[0]?.headers).not.toHaveProperty('x-api-key');
  });

  it('passes allowlisted upstream headers and drops the rest', async () => {
    fake.enqueue(reply({ headers: { 'set-cookie': 'upstream=1', 'x-internal-debug': 'secret', 'retry-after-ms': '5' } }));
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }),
    });
    const text = await response.text();
    const h = response.headers;
    expect(h.get('content-type')).toBe('application/json');
    expect(h.get('x-request-id')).toMatch(/^req_/);
    expect(h.get('openai-version')).toBe('2020-10-01');
    expect(h.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(h.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(h.get('retry-after-ms')).toBe('5');
    expect(h.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(h.get('x-tokenbyte-request-id')).toMatch(UUID_V7);
    for (const name of ['openai-organization', 'openai-project', 'x-internal-debug', 'content-encoding', 'x-tokenbyte-simulated']) {
      expect(h.get(name)).toBeNull();
    }
    expect(h.getSetCookie()).toEqual([]);
  });

  it('logs one line per request with ids and outcome, never the key or any text', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    const [event] = await dataPlane.waitForUsage(1);
    const lines = dataPlane.logs.filter((line) => line['msg'] === 'request completed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId: event!.requestId,
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      latencyMs: expect.any(Number),
      model: 'gpt-4o-mini',
      keyId: key.keyId,
    });
    const everything = JSON.stringify(dataPlane.logs);
    for (const secret of [key.key, fake.apiKey, 'Say hello to the gateway', 'You are terse.', DEFAULT_COMPLETION_TEXT]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('POST /v1/chat/completions, streaming', () => {
  it('asks upstream for usage but shows a client that did not ask none of it', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const chunks = await collect(stream);

    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(DEFAULT_COMPLETION_TEXT);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).toHaveLength(1);
    }
    expect(fake.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'SUCCESS',
      httpStatus: 200,
      inputTokens: EXPECTED_USAGE.prompt_tokens,
      outputTokens: EXPECTED_USAGE.completion_tokens,
      usageEstimated: false,
    });
  });

  it('gives a client that asked for usage the usage chunk, as OpenAI does', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(EXPECTED_USAGE);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ outputTokens: EXPECTED_USAGE.completion_tokens, usageEstimated: false });
  });

  it('keeps the client\'s other stream options when it adds include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: false, include_obfuscation: false },
    });
    const chunks = await collect(stream);
    expect(fake.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true, include_obfuscation: false } });
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk).not.toHaveProperty('obfuscation');
    }
  });

  it('sends SSE headers with the request id that the usage event carries', async () => {
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('content-length')).toBeNull();
    const requestId = response.headers.get('x-tokenbyte-request-id');
    await response.text();
    const [event] = await dataPlane.waitForUsage(1);
    expect(event?.requestId).toBe(requestId);
  });
});
