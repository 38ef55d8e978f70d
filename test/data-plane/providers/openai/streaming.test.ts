// How streams pass through and how they end: chunk by chunk with no buffering, and with
// exactly one usage event however they end (timeout, client abort, broken upstream).
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { cutStream, hang, slowStream, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello to the gateway' },
];
// The gateway's estimate: a quarter of the characters of the message texts, rounded up.
const ESTIMATED_INPUT = Math.ceil(('You are terse.'.length + 'Say hello to the gateway'.length) / 4);
const TIMEOUT_MS = 300;

// Aborts must reach the upstream at once, not at its next chunk nor by a timeout.
const PROMPT_ABORT_MS = 200;

let fake: FakeOpenAI;
let key: TestKey;
/** Default (long) timeouts. */
let dataPlane: TestDataPlane;
let client: OpenAI;
/** Short timeouts. */
let impatient: TestDataPlane;
let impatientClient: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  const upstream = { baseUrl: fake.url, apiKey: fake.apiKey };
  dataPlane = await startTestDataPlane({ keys: [key], upstream });
  impatient = await startTestDataPlane({
    keys: [key],
    upstream,
    env: { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
  impatientClient = new OpenAI({ apiKey: key.key, baseURL: `${impatient.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await impatient?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
  impatient.usageEvents.length = 0;
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('streaming pass-through', () => {
  it('writes every upstream chunk to the client as it arrives, not when the stream ends', async () => {
    const delayMs = 80;
    fake.enqueue(slowStream(delayMs));
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }),
    });
    const reads: Array<{ at: number; frames: number; upstreamSent: number }> = [];
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const frames = decoder.decode(read.value).split('\n\n').filter(Boolean).length;
      reads.push({ at: performance.now(), frames, upstreamSent: fake.requests[0]?.chunksSent ?? 0 });
    }
    // Role + 5 pieces + finish (+ the usage chunk the gateway asked for and strips), 80ms apart.
    const frames = reads.reduce((sum, read) => sum + read.frames, 0);
    expect(frames).toBe(7 + 1); // + [DONE]
    expect(reads.length).toBeGreaterThanOrEqual(7);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual(5 * delayMs * 0.8);
    // The client held each chunk before the upstream had sent two more: nothing was held back.
    let seen = 0;
    for (const read of reads) {
      seen += read.frames;
      expect(read.upstreamSent).toBeLessThanOrEqual(seen + 1);
    }
    // The event is recorded once the stream is over: its latency spans the whole stream, its TTFT does not.
    const [event] = await dataPlane.waitForUsage(1);
    // Bounds from the upstream's own schedule (≥ 5 pauses of delayMs), not the client's clock,
    // which a loaded machine can stretch.
    expect(event!.latencyMs).toBeGreaterThanOrEqual(5 * delayMs * 0.8);
    expect(event!.ttftMs!).toBeLessThan(event!.latencyMs - 4 * delayMs * 0.8);
  });

  it('records SUCCESS with an estimate when the upstream ends the stream early without usage', async () => {
    fake.enqueue(cutStream(2, 'end'));
    const chunks = await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(['', 'Hello', ' from']);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'SUCCESS',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ESTIMATED_INPUT,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
  });
});

describe('timeouts', () => {
  it('answers 504 upstream_timeout when the upstream sends no headers in time', async () => {
    fake.enqueue(hang());
    const started = Date.now();
    const error = await impatientClient.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 504, type: 'server_error', code: 'upstream_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);

    const [event] = await impatient.waitForUsage(1);
    // The upstream had the request and may bill its prompt: estimated, no output.
    expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 504, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: 0, ttftMs: null });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });

  it('ends a stream that stalls midway with an error event and records TIMEOUT with the status already sent', async () => {
    fake.enqueue(cutStream(2, 'stall'));
    const stream = await impatientClient.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((caught: unknown) => caught);

    expect(received).toEqual(['', 'Hello', ' from']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ error: { type: 'server_error', code: 'upstream_timeout' } });
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'TIMEOUT',
      httpStatus: 200,
      usageEstimated: true,
      inputTokens: ESTIMATED_INPUT,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });
});

describe('endings', () => {
  it('aborts the upstream when the client leaves mid-stream and records CLIENT_ABORT with an estimate', async () => {
    // Long enough between chunks that only a prompt abort (not the next write) ends the upstream in time.
    fake.enqueue(slowStream(600));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    let received = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (++received === 2) break; // The SDK aborts its HTTP request when iteration stops early.
    }

    const upstream = await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS);
    expect(upstream.aborted).toBe(true);
    expect(upstream.chunksSent).toBeLessThan(8);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 200, usageEstimated: true, inputTokens: ESTIMATED_INPUT });
    expect(event!.outputTokens).toBeGreaterThanOrEqual(1);
    expect(event!.ttftMs).not.toBeNull();
    expect(dataPlane.usageEvents).toHaveLength(1);
  });

  it('aborts the upstream when the client leaves before any answer', async () => {
    fake.enqueue(hang());
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }, { signal: controller.signal });
    await fake.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);

    expect((await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS)).aborted).toBe(true);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 499, usageEstimated: true, outputTokens: 0, ttftMs: null });
  });

  it('ends the stream with an error event when the upstream connection breaks', async () => {
    fake.enqueue(cutStream(1, 'destroy'));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const error = await collect(stream).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ error: { type: 'server_error', code: 'upstream_disconnected' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, outputTokens: Math.ceil('Hello'.length / 4) });
  });
});
