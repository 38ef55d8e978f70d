// How Gemini streams pass through and how they end: chunk by chunk with no buffering, and
// with exactly one usage event however they end (complete, cut, stalled, broken, abandoned).
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { countPromptTokens, cutStream, hang, slowStream, startFakeGemini, streamError, type FakeGemini } from '../../../helpers/fake-gemini.js';

const PROMPT = 'Say hello to the gateway';
const CONTENTS = [{ role: 'user', parts: [{ text: PROMPT }] }];
const PROMPT_TOKENS = countPromptTokens({ contents: CONTENTS });
// The gateway's estimate when no usage was seen: a quarter of the characters, rounded up.
const ESTIMATED_INPUT = Math.ceil(PROMPT.length / 4);
const TIMEOUT_MS = 300;
// Aborts must reach the upstream at once, not at its next chunk nor by a timeout.
const PROMPT_ABORT_MS = 200;

let fake: FakeGemini;
let key: TestKey;
let dataPlane: TestDataPlane;
let impatient: TestDataPlane;

beforeAll(async () => {
  fake = await startFakeGemini();
  key = createTestKey();
  const gemini = { baseUrl: fake.url, apiKey: fake.apiKey };
  dataPlane = await startTestDataPlane({ keys: [key], gemini });
  impatient = await startTestDataPlane({
    keys: [key],
    gemini,
    env: { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
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

function sdk(plane: TestDataPlane): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: plane.url, apiVersion: 'v1beta' } });
}

async function texts(plane: TestDataPlane, signal?: AbortSignal, stopAfter = Infinity): Promise<string[]> {
  const received: string[] = [];
  const stream = await sdk(plane).models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS, config: signal ? { abortSignal: signal } : {} });
  for await (const chunk of stream) {
    received.push(chunk.text ?? '');
    if (received.length >= stopAfter) break;
  }
  return received;
}

describe('streaming pass-through', () => {
  it('writes every upstream chunk to the client as it arrives, byte for byte (CRLF framing kept)', async () => {
    const delayMs = 80;
    fake.enqueue(slowStream(delayMs));
    const response = await fetch(`${dataPlane.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: CONTENTS }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reads: Array<{ at: number; frames: number; upstreamSent: number }> = [];
    const decoder = new TextDecoder();
    let all = '';
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const text = decoder.decode(read.value);
      all += text;
      reads.push({ at: performance.now(), frames: text.split('\r\n\r\n').filter(Boolean).length, upstreamSent: fake.requests[0]?.chunksSent ?? 0 });
    }
    expect(all.split('\r\n\r\n').filter(Boolean)).toHaveLength(5);
    expect(all).toBe(fake.requests[0]!.sent);
    // Several reads, not one at the end (a loaded machine may merge two neighbouring chunks into one read).
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual(4 * delayMs * 0.8);
    // The client held each chunk before the upstream had sent two more: nothing was held back.
    let seen = 0;
    for (const read of reads) {
      seen += read.frames;
      expect(read.upstreamSent).toBeLessThanOrEqual(seen + 1);
    }
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', usageEstimated: false, inputTokens: PROMPT_TOKENS, outputTokens: 5 });
    expect(event!.ttftMs!).toBeLessThan(event!.latencyMs - 3 * delayMs);
  });
});

describe('streams that end early', () => {
  it('cut cleanly after usage-carrying chunks: SUCCESS, estimated from the last cumulative usage', async () => {
    fake.enqueue(cutStream(2, 'end'));
    expect(await texts(dataPlane)).toEqual(['Hello', ' from']);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', httpStatus: 200, usageEstimated: true, inputTokens: PROMPT_TOKENS, outputTokens: 2 });
  });

  it('cut cleanly when only the final chunk would have carried usage: estimated from the characters seen', async () => {
    fake.enqueue(cutStream(2, 'end', { usageOnLastChunkOnly: true }));
    expect(await texts(dataPlane)).toEqual(['Hello', ' from']);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: Math.ceil('Hello from'.length / 4) });
  });

  it('stalled midway: ends with a Google error event the SDK raises as ApiError 504, records TIMEOUT', async () => {
    fake.enqueue(cutStream(2, 'stall'));
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of await sdk(impatient).models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS })) received.push(chunk.text ?? '');
    })().catch((caught: unknown) => caught);
    expect(received).toEqual(['Hello', ' from']);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 504 });
    expect((error as ApiError).message).toContain('DEADLINE_EXCEEDED');
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 200, usageEstimated: true, inputTokens: PROMPT_TOKENS, outputTokens: 2 });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });

  it('a Google error event midway: passed on as sent (the SDK raises ApiError), records UPSTREAM_ERROR with the usage so far', async () => {
    fake.enqueue(streamError(2, { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' }));
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of await sdk(dataPlane).models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS })) received.push(chunk.text ?? '');
    })().catch((caught: unknown) => caught);
    expect(received).toEqual(['Hello', ' from']);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toContain('overloaded');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, inputTokens: PROMPT_TOKENS, outputTokens: 2 });
  });

  it('broken upstream connection: ends with an ApiError 502 event, records UPSTREAM_ERROR', async () => {
    fake.enqueue(cutStream(1, 'destroy'));
    const error = await texts(dataPlane).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502 });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 200, usageEstimated: true, outputTokens: 1 });
  });
});

describe('client aborts', () => {
  it('aborts the upstream at once when the client leaves mid-stream and records CLIENT_ABORT with an estimate', async () => {
    // Long enough between chunks that only a prompt abort (not the next write) ends the upstream in time.
    fake.enqueue(slowStream(600, { usageOnLastChunkOnly: true }));
    const controller = new AbortController();
    const received: string[] = [];
    const stream = await sdk(dataPlane).models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS, config: { abortSignal: controller.signal } });
    const error = await (async () => {
      for await (const chunk of stream) {
        received.push(chunk.text ?? '');
        if (received.length === 2) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);

    const upstream = await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS);
    expect(upstream.aborted).toBe(true);
    expect(upstream.chunksSent).toBeLessThan(5);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 200, usageEstimated: true, inputTokens: ESTIMATED_INPUT });
    expect(event!.outputTokens).toBeGreaterThanOrEqual(Math.ceil('Hello from'.length / 4));
    expect(dataPlane.usageEvents).toHaveLength(1);
  });

  it('aborts the upstream when the client leaves before any answer', async () => {
    fake.enqueue(hang());
    const controller = new AbortController();
    const pending = sdk(dataPlane).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS, config: { abortSignal: controller.signal } });
    await fake.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect((await fake.settled(fake.requests[0]!, PROMPT_ABORT_MS)).aborted).toBe(true);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'CLIENT_ABORT', httpStatus: 499, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: 0, ttftMs: null });
  });
});
