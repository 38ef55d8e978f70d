// How Anthropic streams pass through and how they end: event by event with no buffering, and
// with exactly one usage event however they end (client abort, stall, broken upstream, an
// upstream error event), estimated only where Anthropic did not report.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { cutStream, hang, slowStream, startFakeAnthropic, streamError, type FakeAnthropic } from '../../../helpers/fake-anthropic.js';
import { ESTIMATED_INPUT, INPUT_TOKENS, MESSAGES, MODEL, SYSTEM, anthropicClient, rejection } from './setup.js';

const TIMEOUT_MS = 300;
// Aborts must reach the upstream at once, not at its next event nor by a timeout.
const PROMPT_ABORT_MS = 200;
const params = { model: MODEL, max_tokens: 256, system: SYSTEM, messages: MESSAGES };

let fake: FakeAnthropic;
let key: TestKey;
let dataPlane: TestDataPlane;
let client: Anthropic;
let impatient: TestDataPlane;
let impatientClient: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ chunkDelayMs: 1 });
  key = createTestKey();
  const anthropic = { baseUrl: fake.url, apiKey: fake.apiKey };
  dataPlane = await startTestDataPlane({ keys: [key], anthropic });
  impatient = await startTestDataPlane({ keys: [key], anthropic, env: { UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  client = anthropicClient(dataPlane.url, key.key);
  impatientClient = anthropicClient(impatient.url, key.key);
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

async function textOf(stream: AsyncIterable<Anthropic.MessageStreamEvent>): Promise<string> {
  let text = '';
  for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  return text;
}

describe('streaming pass-through', () => {
  it('writes every upstream event to the client as it arrives, not when the stream ends', async () => {
    const delayMs = 80;
    fake.enqueue(slowStream(delayMs));
    const response = await fetch(`${dataPlane.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const reads: Array<{ at: number; events: number; upstreamSent: number }> = [];
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const events = decoder.decode(read.value).split('\n\n').filter(Boolean).length;
      reads.push({ at: performance.now(), events, upstreamSent: fake.requests[0]?.eventsSent ?? 0 });
    }
    // message_start, block start, ping, 5 deltas, block stop, message_delta, message_stop: 80ms apart.
    expect(reads.reduce((sum, read) => sum + read.events, 0)).toBe(11);
    expect(reads.length).toBeGreaterThanOrEqual(10);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual(9 * delayMs * 0.8);
    // The client held each event before the upstream had sent two more: nothing was held back.
    let seen = 0;
    for (const read of reads) {
      seen += read.events;
      expect(read.upstreamSent).toBeLessThanOrEqual(seen + 1);
    }
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: 5, usageEstimated: false });
    expect(event!.ttftMs!).toBeLessThan(event!.latencyMs - 8 * delayMs * 0.8);
  });

  it('records SUCCESS with Anthropic\'s input and an output estimate when the stream ends before message_delta', async () => {
    fake.enqueue(cutStream(2, 'end', { usage: { cache_read_input_tokens: 30 } }));
    const stream = await client.messages.create({ ...params, stream: true });
    expect(await textOf(stream)).toBe('Hello from');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      status: 'SUCCESS',
      httpStatus: 200,
      usageEstimated: true,
      // message_start reported the input exactly; only the output is estimated.
      inputTokens: INPUT_TOKENS + 30,
      cachedInputTokens: 30,
      outputTokens: Math.ceil('Hello from'.length / 4),
    });
  });
});

describe('endings', () => {
  it('aborts the upstream when the client leaves mid-stream and records CLIENT_ABORT with an estimate', async () => {
    // Long enough between events that only a prompt abort (not the next write) ends the upstream in time.
    fake.enqueue(slowStream(600));
    const stream = await client.messages.create({ ...params, stream: true });
    let received = 0;
    for await (const event of stream) {
      void event;
      if (++received === 2) break; // The SDK aborts its HTTP request when iteration stops early.
    }
    const upstream = await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS);
    expect(upstream.aborted).toBe(true);
    expect(upstream.eventsSent).toBeLessThan(11);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 200, usageEstimated: true, inputTokens: INPUT_TOKENS });
    expect(event!.ttftMs).not.toBeNull();
    expect(dataPlane.usageEvents).toHaveLength(1);
  });

  it('aborts the upstream when the client leaves before any answer, estimating the prompt', async () => {
    fake.enqueue(hang());
    const controller = new AbortController();
    const pending = client.messages.create({ ...params, stream: true }, { signal: controller.signal });
    await fake.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    expect((await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS)).aborted).toBe(true);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 499, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: 0, ttftMs: null });
  });

  it('ends a stream that stalls midway with a timeout_error event and records TIMEOUT', async () => {
    fake.enqueue(cutStream(2, 'stall'));
    const stream = await impatientClient.messages.create({ ...params, stream: true });
    const error = await rejection(textOf(stream));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'timeout_error' });
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 200, usageEstimated: true, inputTokens: INPUT_TOKENS, outputTokens: Math.ceil('Hello from'.length / 4) });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });

  it('ends the stream with an api_error event when the upstream connection breaks', async () => {
    fake.enqueue(cutStream(1, 'destroy'));
    const error = await rejection(client.messages.stream(params).finalMessage());
    expect(error).toMatchObject({ type: 'api_error' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, outputTokens: Math.ceil('Hello'.length / 4) });
  });

  it("passes Anthropic's own mid-stream error event through and records UPSTREAM_ERROR", async () => {
    fake.enqueue(streamError(3));
    const error = await rejection(client.messages.stream(params).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error', apiMessage: 'Overloaded' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, inputTokens: INPUT_TOKENS, outputTokens: Math.ceil('Hello from the'.length / 4) });
  });
});
