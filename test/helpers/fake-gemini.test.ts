// The fake Gemini upstream must be faithful to what @google/genai expects of the real API:
// these tests drive it with the SDK directly (no gateway), so a gateway test that passes
// against the fake exercises the SDK's real parsing of paths, streams, errors and usage.
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLY_TEXT,
  buildUsageMetadata,
  countPromptTokens,
  invalidArgument,
  reply,
  resourceExhausted,
  startFakeGemini,
  streamError,
  type FakeGemini,
} from './fake-gemini.js';

const CONTENTS = [{ role: 'user', parts: [{ text: 'Say hello to the gateway' }] }];

let fake: FakeGemini;

beforeAll(async () => {
  fake = await startFakeGemini({ chunkDelayMs: 1 });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

function sdk(apiVersion: string, apiKey = fake.apiKey): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url, apiVersion } });
}

describe('fake Gemini, driven by @google/genai directly', () => {
  it('answers generateContent on v1beta with text, a STOP finish and the documented usage', async () => {
    const response = await sdk('v1beta').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS, config: { systemInstruction: 'Be brief.' } });
    expect(response.text).toBe(DEFAULT_REPLY_TEXT);
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    // 5 words of prompt + 2 of system instruction; 5 pieces of reply.
    expect(response.usageMetadata).toEqual(buildUsageMetadata(7, 5));
    expect(fake.requests[0]).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', query: {} });
    expect(fake.requests[0]?.headers['x-goog-api-key']).toBe(fake.apiKey);
  });

  it('streams on v1 as CRLF-framed SSE with cumulative usage, which the SDK reads chunk by chunk', async () => {
    fake.enqueue(reply({ usage: { thoughtsTokenCount: 11, cachedContentTokenCount: 2 } }));
    const texts: string[] = [];
    const usages: number[] = [];
    for await (const chunk of await sdk('v1').models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS })) {
      texts.push(chunk.text ?? '');
      usages.push(chunk.usageMetadata?.candidatesTokenCount ?? 0);
    }
    expect(texts.join('')).toBe(DEFAULT_REPLY_TEXT);
    expect(usages).toEqual([1, 2, 3, 4, 5]);
    expect(fake.requests[0]).toMatchObject({ path: '/v1/models/gemini-2.5-flash:streamGenerateContent', query: { alt: 'sse' }, chunksSent: 5 });

    const raw = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': fake.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: CONTENTS }),
    });
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    const text = await raw.text();
    expect(text.split('\r\n\r\n').filter(Boolean)).toHaveLength(5);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('sends function calls as functionCall parts the SDK exposes', async () => {
    fake.enqueue(reply({ text: '', functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] }));
    const response = await sdk('v1beta').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS });
    expect(response.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
  });

  it('counts tokens and embeds through batchEmbedContents, which the SDK calls for embedContent', async () => {
    const count = await sdk('v1beta').models.countTokens({ model: 'gemini-2.5-flash', contents: CONTENTS });
    expect(count.totalTokens).toBe(countPromptTokens({ contents: CONTENTS }));
    const embedded = await sdk('v1beta').models.embedContent({ model: 'gemini-embedding-001', contents: ['one', 'two'], config: { outputDimensionality: 8 } });
    expect(embedded.embeddings?.map((embedding) => embedding.values?.length)).toEqual([8, 8]);
    expect(fake.requests.map((request) => request.path)).toEqual([
      '/v1beta/models/gemini-2.5-flash:countTokens',
      '/v1beta/models/gemini-embedding-001:batchEmbedContents',
    ]);
  });

  it("refuses like Google: 400 API_KEY_INVALID for a wrong key, 403 without one, 404 for a model's unsupported method", async () => {
    const wrong = await sdk('v1beta', 'not-the-key').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(ApiError);
    expect(wrong).toMatchObject({ status: 400 });
    expect((wrong as ApiError).message).toContain('API_KEY_INVALID');
    const without = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: '{}' });
    expect(without.status).toBe(403);
    const embedOnFlash = await sdk('v1beta').models.embedContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((error: unknown) => error);
    expect(embedOnFlash).toMatchObject({ status: 404 });
  });

  it('queues scripted errors, such as a 429 with retry info in the body, and invalid arguments', async () => {
    fake.enqueue(resourceExhausted({ retryDelaySeconds: 7 }), invalidArgument('Bad thing.'));
    const limited = await sdk('v1beta').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }).catch((error: unknown) => error);
    expect(limited).toMatchObject({ status: 429 });
    expect(JSON.parse((limited as ApiError).message)).toMatchObject({
      error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: expect.arrayContaining([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }]) },
    });
    const invalid = await sdk('v1beta').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }).catch((error: unknown) => error);
    expect(JSON.parse((invalid as ApiError).message)).toEqual({ error: { code: 400, message: 'Bad thing.', status: 'INVALID_ARGUMENT' } });
  });

  it('fails a stream midway with an error event the SDK raises as ApiError, after the chunks before it', async () => {
    fake.enqueue(streamError(2, { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' }));
    const texts: string[] = [];
    const error = await (async () => {
      for await (const chunk of await sdk('v1beta').models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS })) texts.push(chunk.text ?? '');
    })().catch((caught: unknown) => caught);
    expect(texts).toEqual(['Hello', ' from']);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503 });
    expect(fake.requests[0]?.sent.endsWith('data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n')).toBe(true);
    // Only a stream takes it: a generateContent call meanwhile gets the ordinary reply.
    fake.enqueue(streamError(1));
    expect((await sdk('v1beta').models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS })).text).toBe(DEFAULT_REPLY_TEXT);
    expect(fake.pendingBehaviours).toBe(1);
  });
});
