// Drives the data-plane's Gemini routes with the official @google/genai SDK against the fake
// Gemini upstream, on both API versions the SDK speaks: what the client sees must be what
// Google would have sent, and what is recorded must be what Google reported (usageMetadata),
// normalised: input = prompt + tool-use prompt, output = candidates + thoughts.
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testCatalogue, testModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { DEFAULT_REPLY_TEXT, buildUsageMetadata, countPromptTokens, reply, startFakeGemini, type FakeGemini } from '../../../helpers/fake-gemini.js';

const CONTENTS = [{ role: 'user', parts: [{ text: 'Say hello to the gateway' }] }];
const PROMPT_TOKENS = countPromptTokens({ contents: CONTENTS });
const VERSIONS = ['v1beta', 'v1'] as const;

let fake: FakeGemini;
let dataPlane: TestDataPlane;
let key: TestKey;

beforeAll(async () => {
  fake = await startFakeGemini({ chunkDelayMs: 1 });
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key], gemini: { baseUrl: fake.url, apiKey: fake.apiKey } });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
});

function sdk(apiVersion: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: dataPlane.url, apiVersion } });
}

describe.each(VERSIONS)('Gemini routes on %s', (version) => {
  it('generateContent: returns the upstream answer and records its usage under the request id it returned', async () => {
    const usage = { thoughtsTokenCount: 40, cachedContentTokenCount: 3, toolUsePromptTokenCount: 6 };
    fake.enqueue(reply({ usage }));
    const response = await sdk(version).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS });

    expect(response.text).toBe(DEFAULT_REPLY_TEXT);
    expect(response.usageMetadata).toEqual(buildUsageMetadata(PROMPT_TOKENS, 5, usage));
    const requestId = response.sdkHttpResponse?.headers?.['x-tokenbyte-request-id'];
    expect(requestId).toBeTruthy();
    expect(fake.requests[0]).toMatchObject({ path: `/${version}/models/gemini-2.5-flash:generateContent`, query: {}, body: { contents: CONTENTS } });

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId,
      accountId: key.accountId,
      apiKeyId: key.apiKeyId,
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      inputTokens: PROMPT_TOKENS + 6,
      cachedInputTokens: 3,
      outputTokens: 5 + 40,
      reasoningTokens: 40,
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
    });
    expect(event!.ttftMs).not.toBeNull();
  });

  it('generateContentStream: passes every chunk through and records the last cumulative usage', async () => {
    fake.enqueue(reply({ usage: { thoughtsTokenCount: 12 } }));
    const texts: string[] = [];
    const candidateCounts: Array<number | undefined> = [];
    for await (const chunk of await sdk(version).models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS })) {
      texts.push(chunk.text ?? '');
      candidateCounts.push(chunk.usageMetadata?.candidatesTokenCount);
    }
    expect(texts).toEqual(['Hello', ' from', ' the', ' fake', ' Gemini!']);
    expect(candidateCounts).toEqual([1, 2, 3, 4, 5]);
    expect(fake.requests[0]).toMatchObject({ path: `/${version}/models/gemini-2.5-flash:streamGenerateContent`, query: { alt: 'sse' } });

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: PROMPT_TOKENS, outputTokens: 5 + 12, reasoningTokens: 12, usageEstimated: false, status: 'SUCCESS' });
  });

  it('countTokens: answers the upstream count and records no usage event (counting is not billed)', async () => {
    const count = await sdk(version).models.countTokens({ model: 'gemini-2.5-flash', contents: CONTENTS });
    expect(count.totalTokens).toBe(PROMPT_TOKENS);
    expect(fake.requests[0]?.path).toBe(`/${version}/models/gemini-2.5-flash:countTokens`);
    // A billed call right after proves the sink is live: only its event arrives.
    await sdk(version).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS });
    await dataPlane.waitForUsage(1);
    expect(dataPlane.usageEvents.map((event) => event.model)).toEqual(['gemini-2.5-flash']);
    expect(dataPlane.logs.some((line) => line['msg'] === 'request completed' && String(line['path']).endsWith(':countTokens'))).toBe(true);
  });

  it('embedContent (the SDK calls batchEmbedContents): records input tokens from usageMetadata when the upstream reports it', async () => {
    fake.enqueue(reply({ embeddingUsage: true }));
    const embedded = await sdk(version).models.embedContent({ model: 'gemini-embedding-001', contents: ['one two three', 'four five'], config: { outputDimensionality: 4 } });
    expect(embedded.embeddings?.map((embedding) => embedding.values?.length)).toEqual([4, 4]);
    expect(fake.requests[0]?.path).toBe(`/${version}/models/gemini-embedding-001:batchEmbedContents`);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ model: 'gemini-embedding-001', inputTokens: 5, outputTokens: 0, usageEstimated: false, status: 'SUCCESS' });
  });

  it('embedContent without usageMetadata: records an estimate (a quarter of the characters) marked as such', async () => {
    const embedded = await sdk(version).models.embedContent({ model: 'gemini-embedding-001', contents: ['one two three', 'four five'] });
    expect(embedded.embeddings).toHaveLength(2);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: Math.ceil(('one two three'.length + 'four five'.length) / 4), outputTokens: 0, usageEstimated: true, status: 'SUCCESS' });
  });
});

describe('the native :embedContent method', () => {
  it('is forwarded as is and billed from the text it embeds', async () => {
    const response = await fetch(`${dataPlane.url}/v1beta/models/gemini-embedding-001:embedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key.key, 'content-type': 'application/json' },
      body: JSON.stringify({ content: { parts: [{ text: 'embed this text' }] }, outputDimensionality: 3 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { embedding: { values: number[] } }).embedding.values).toHaveLength(3);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: Math.ceil('embed this text'.length / 4), usageEstimated: true });
  });
});

describe('the catalogue', () => {
  it('serves a public name under the upstream model it maps to, renaming the model inside batch bodies too', async () => {
    const catalogue = testCatalogue({
      extra: [
        testModel('house-flash', { provider: 'gemini', upstreamModel: 'gemini-2.5-flash' }),
        testModel('house-embed', { provider: 'gemini', upstreamModel: 'gemini-embedding-001', capabilities: ['embeddings'] }),
      ],
    });
    const aliased = await startTestDataPlane({ keys: [key], gemini: { baseUrl: fake.url, apiKey: fake.apiKey }, catalogue });
    try {
      const client = new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: aliased.url, apiVersion: 'v1beta' } });
      expect((await client.models.generateContent({ model: 'house-flash', contents: CONTENTS })).text).toBe(DEFAULT_REPLY_TEXT);
      await client.models.embedContent({ model: 'house-embed', contents: ['a', 'b'] });
      expect(fake.requests.map((request) => request.path)).toEqual([
        '/v1beta/models/gemini-2.5-flash:generateContent',
        '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      ]);
      expect((fake.requests[1]?.body as { requests: Array<{ model: string }> }).requests.map((request) => request.model)).toEqual([
        'models/gemini-embedding-001',
        'models/gemini-embedding-001',
      ]);
      const events = await aliased.waitForUsage(2);
      expect(events.map((event) => [event.model, event.provider, event.priceVersionId !== null])).toEqual([
        ['house-flash', 'gemini', true],
        ['house-embed', 'gemini', true],
      ]);
    } finally {
      await aliased.stop();
    }
  });
});

describe('response headers', () => {
  it('keeps content-type and server-timing, and drops what describes Google rather than the gateway', async () => {
    const response = await fetch(`${dataPlane.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: CONTENTS }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(response.headers.get('server-timing')).toMatch(/^gfet4t7; dur=\d+$/);
    expect(response.headers.get('x-tokenbyte-request-id')).toBeTruthy();
    for (const dropped of ['alt-svc', 'server', 'vary', 'x-frame-options']) expect(response.headers.get(dropped)).toBeNull();
  });
});
