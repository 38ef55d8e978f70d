// POST /v1/responses driven by the official openai SDK against the fake OpenAI upstream: what the
// client sees must be what OpenAI sent, streams included, and what is recorded must be OpenAI's
// own accounting from the Response's usage, or an estimate when a stream is cut.
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staticPriceVersionId } from '../../../../data-plane/catalogue/static.js';
import { costOf, type BilledTokens } from '../../../../shared/pricing.js';
import { seedModel, testCatalogue, testModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import {
  DEFAULT_COMPLETION_TEXT,
  buildResponsesUsage,
  countResponsesInputTokens,
  cutStream,
  reply,
  serverError,
  slowStream,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../../../helpers/fake-openai.js';

const REQUEST = { model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'Say hello to the gateway' };
const USAGE = buildResponsesUsage(countResponsesInputTokens(REQUEST), 5);
// The gateway's estimate: a quarter of the characters of instructions and input, rounded up.
const ESTIMATED_INPUT = Math.ceil((REQUEST.instructions.length + REQUEST.input.length) / 4);
const MINI = seedModel('gpt-4o-mini').prices;
// A house name for a dated snapshot: the upstream must only ever see the snapshot's name.
const HOUSE = testModel('house-responses', { upstreamModel: 'gpt-4o-mini-2024-07-18', capabilities: ['chat', 'responses'] });

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  dataPlane = await startTestDataPlane({
    keys: [key],
    upstream: { baseUrl: fake.url, apiKey: fake.apiKey },
    catalogue: testCatalogue({ extra: [HOUSE] }),
    // One attempt: upstream errors must reach the client as they were sent.
    env: { UPSTREAM_MAX_ATTEMPTS: '1' },
  });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
});

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function billed(usage: typeof USAGE): BilledTokens {
  return {
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.input_tokens_details.cached_tokens,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: usage.output_tokens,
    reasoningTokens: usage.output_tokens_details.reasoning_tokens,
  };
}

describe('POST /v1/responses, non-streaming', () => {
  it("returns the upstream's Response and records its usage at the catalogue price", async () => {
    const { data, response } = await client.responses.create(REQUEST).withResponse();
    expect(data.output_text).toBe(DEFAULT_COMPLETION_TEXT);
    expect(data.usage).toEqual(USAGE);

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId: response.headers.get('x-tokenbyte-request-id'),
      provider: 'openai',
      model: 'gpt-4o-mini',
      ...billed(USAGE),
      priceVersionId: staticPriceVersionId('gpt-4o-mini'),
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
    });
    expect(event!.costPicoUsd).toBe(costOf(billed(USAGE), MINI).toString());
    expect(BigInt(event!.costPicoUsd)).toBeGreaterThan(0n);
  });

  it('maps cached and reasoning tokens from the usage details', async () => {
    fake.enqueue(reply({ usage: { cached_tokens: 4, reasoning_tokens: 10 } }));
    const data = await client.responses.create(REQUEST);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: USAGE.input_tokens, cachedInputTokens: 4, outputTokens: 5 + 10, reasoningTokens: 10, usageEstimated: false });
    expect(event!.costPicoUsd).toBe(costOf(billed(data.usage as typeof USAGE), MINI).toString());
  });

  it('forwards the client body untouched (store, tools, metadata …) with our key, and the house name as the upstream name', async () => {
    const body = JSON.stringify({ ...REQUEST, store: false, tools: [], metadata: { a: 'b' } });
    const response = await fetch(`${dataPlane.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String((await response.arrayBuffer()).byteLength));
    expect(fake.requests[0]?.rawBody).toBe(body);
    expect(fake.requests[0]?.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
    expect(JSON.stringify(fake.requests[0]?.headers)).not.toContain(key.key);

    const renamed = await client.responses.create({ ...REQUEST, model: 'house-responses' });
    expect(renamed.model).toBe('gpt-4o-mini-2024-07-18');
    expect(fake.requests[1]?.body).toEqual({ ...REQUEST, model: 'gpt-4o-mini-2024-07-18' });
    const events = await dataPlane.waitForUsage(2);
    expect(events[1]).toMatchObject({ model: 'house-responses', status: 'SUCCESS', priceVersionId: staticPriceVersionId('house-responses') });
  });
});

describe('POST /v1/responses, streaming', () => {
  it("passes every event through and records the usage of the final event", async () => {
    const events = await collect(await client.responses.create({ ...REQUEST, stream: true }));
    const final = events.at(-1);
    expect(final?.type).toBe('response.completed');
    expect(final?.type === 'response.completed' && final.response.usage).toEqual(USAGE);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
    expect(text).toBe(DEFAULT_COMPLETION_TEXT);

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', httpStatus: 200, ...billed(USAGE), usageEstimated: false });
    expect(event!.costPicoUsd).toBe(costOf(billed(USAGE), MINI).toString());
  });

  it('writes every upstream event to the client as it arrives, not when the stream ends', async () => {
    const delayMs = 60;
    fake.enqueue(slowStream(delayMs));
    const response = await fetch(`${dataPlane.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...REQUEST, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    let seen = 0;
    let wire = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const text = decoder.decode(read.value);
      wire += text;
      seen += text.split('\n\n').filter(Boolean).length;
      // The client held each event before the upstream had sent two more: nothing was held back.
      expect(fake.requests[0]!.chunksSent).toBeLessThanOrEqual(seen + 1);
    }
    // 4 opening events, 5 deltas, 3 done events and the terminal one; nothing added, no [DONE].
    expect(wire.split('\n\n').filter(Boolean)).toHaveLength(13);
    expect(wire).not.toContain('[DONE]');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event!.ttftMs!).toBeLessThan(event!.latencyMs - 8 * delayMs * 0.8);
  });

  it('records SUCCESS with an estimate when the upstream ends the stream before its final event', async () => {
    fake.enqueue(cutStream(2, 'end'));
    const events = await collect(await client.responses.create({ ...REQUEST, stream: true }));
    expect(events.at(-1)?.type).toBe('response.output_text.delta');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'SUCCESS',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ESTIMATED_INPUT,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
  });

  it('ends a stream whose upstream breaks with an error event, numbered next, and records UPSTREAM_ERROR with an estimate', async () => {
    fake.enqueue(cutStream(1, 'destroy'));
    const stream = await client.responses.create({ ...REQUEST, stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of stream) received.push(event.type);
    })().catch((caught: unknown) => caught);
    expect(received.at(-1)).toBe('response.output_text.delta');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      type: 'error',
      code: 'upstream_disconnected',
      message: 'The connection to the upstream provider broke; the stream was ended by the gateway.',
      param: null,
      sequence_number: received.length,
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: Math.ceil('Hello'.length / 4) });
  });

  it('ends a stream that stalls with an upstream_timeout error event and records TIMEOUT', async () => {
    const impatient = await startTestDataPlane({ keys: [key], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { UPSTREAM_IDLE_TIMEOUT_MS: '300' } });
    try {
      fake.enqueue(cutStream(2, 'stall'));
      const sdk = new OpenAI({ apiKey: key.key, baseURL: `${impatient.url}/v1`, maxRetries: 0 });
      const error = await collect(await sdk.responses.create({ ...REQUEST, stream: true })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ code: 'upstream_timeout', error: { type: 'error', sequence_number: 6 } });
      const [event] = await impatient.waitForUsage(1);
      expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 200, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: Math.ceil('Hello from'.length / 4) });
      expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
    } finally {
      await impatient.stop();
    }
  });

  it("records a response.failed as UPSTREAM_ERROR with OpenAI's usage", async () => {
    fake.enqueue(reply({ fail: { code: 'server_error', message: 'The model failed.' } }));
    const events = await collect(await client.responses.create({ ...REQUEST, stream: true }));
    expect(events.at(-1)?.type).toBe('response.failed');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, ...billed(USAGE), usageEstimated: false });
  });

  it('aborts the upstream when the client leaves mid-stream and records CLIENT_ABORT with an estimate', async () => {
    fake.enqueue(slowStream(300));
    const stream = await client.responses.create({ ...REQUEST, stream: true });
    let received = 0;
    for await (const event of stream) {
      void event;
      if (++received === 5) break;
    }
    expect((await fake.settled(fake.requests[0]!, 1_000)).aborted).toBe(true);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 200, usageEstimated: true, inputTokens: ESTIMATED_INPUT });
    expect(dataPlane.usageEvents).toHaveLength(1);
  });
});

describe('POST /v1/responses, errors', () => {
  it('passes an upstream 429 through as RateLimitError and a 500 on a stream as InternalServerError', async () => {
    fake.enqueue({ kind: 'error', status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached.', headers: { 'retry-after': '4' } });
    const limited = await client.responses.create(REQUEST).catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', error: { message: 'Rate limit reached.' } });
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('4');

    fake.enqueue(serverError('Something broke upstream.'));
    const broken = await client.responses.create({ ...REQUEST, stream: true }).catch((caught: unknown) => caught);
    expect(broken).toBeInstanceOf(OpenAI.InternalServerError);
    expect((broken as InstanceType<typeof OpenAI.InternalServerError>).error).toEqual({ message: 'Something broke upstream.', type: 'server_error', param: null, code: null });

    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => [e.status, e.httpStatus, e.inputTokens, e.usageEstimated])).toEqual([
      ['UPSTREAM_ERROR', 429, 0, false],
      ['UPSTREAM_ERROR', 500, 0, false],
    ]);
  });
});
