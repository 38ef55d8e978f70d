// Keys on the Gemini routes: the customer's TokenByte key is accepted where Google's SDKs and
// REST users put a key (`x-goog-api-key`, `?key=`), never reaches the upstream (which gets our
// key, in the header only) and never reaches a log line, not even from the URL.
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { DEFAULT_REPLY_TEXT, startFakeGemini, type FakeGemini, type RecordedRequest } from '../../../helpers/fake-gemini.js';

const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello to the gateway' }] }] });

let fake: FakeGemini;
let dataPlane: TestDataPlane;
let key: TestKey;
let restricted: TestKey;

beforeAll(async () => {
  fake = await startFakeGemini({ chunkDelayMs: 1 });
  key = createTestKey();
  restricted = createTestKey({ allowedModels: ['gemini-2.5-pro'] });
  dataPlane = await startTestDataPlane({ keys: [key, restricted], gemini: { baseUrl: fake.url, apiKey: fake.apiKey } });
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

function post(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${dataPlane.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });
}

/** The upstream saw our key in the header, nothing of the customer's key anywhere, and no key in its URL. */
function expectOnlyOurKeyUpstream(request: RecordedRequest | undefined, customerKey: string): void {
  expect(request?.headers['x-goog-api-key']).toBe(fake.apiKey);
  expect(request?.query['key']).toBeUndefined();
  expect(JSON.stringify({ headers: request?.headers, query: request?.query, path: request?.path })).not.toContain(customerKey);
}

describe('the key in x-goog-api-key (as @google/genai sends it)', () => {
  it('is accepted, swapped for our key upstream, and never logged', async () => {
    const client = new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: dataPlane.url, apiVersion: 'v1beta' } });
    const response = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    expect(response.text).toBe(DEFAULT_REPLY_TEXT);
    expectOnlyOurKeyUpstream(fake.requests[0], key.key);
    await dataPlane.waitForUsage(1);
    expect(dataPlane.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(dataPlane.logs)).not.toContain(key.key);
  });
});

describe('the key as ?key= (Google REST style)', () => {
  it('is accepted on generateContent, removed from the upstream URL, and absent from every log line', async () => {
    const response = await post(`/v1beta/models/gemini-2.5-flash:generateContent?key=${key.key}`);
    expect(response.status).toBe(200);
    expectOnlyOurKeyUpstream(fake.requests[0], key.key);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ apiKeyId: key.apiKeyId, status: 'SUCCESS' });
    const line = dataPlane.logs.find((entry) => entry['msg'] === 'request completed');
    expect(line?.['path']).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(JSON.stringify(dataPlane.logs)).not.toContain(key.key);
  });

  it('is accepted on a stream; only allowlisted parameters go upstream (alt, never key, access_token or fields)', async () => {
    const response = await post(`/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${key.key}&access_token=ya29.secret&fields=candidates`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toContain('"finishReason":"STOP"');
    expect(fake.requests[0]?.query).toEqual({ alt: 'sse' });
    expectOnlyOurKeyUpstream(fake.requests[0], key.key);
    await dataPlane.waitForUsage(1);
    expect(JSON.stringify(dataPlane.logs)).not.toContain(key.key);
    expect(JSON.stringify(dataPlane.logs)).not.toContain('ya29.secret');
  });

  it('is refused with 401 in Google\'s shape when unknown, and still not logged', async () => {
    const wrong = createTestKey().key;
    const response = await post(`/v1beta/models/gemini-2.5-flash:generateContent?key=${wrong}`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: number; status: string; message: string; details: Array<Record<string, unknown>> } };
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(body.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INVALID_API_KEY', domain: 'tokenbyte.gateway' });
    expect(JSON.stringify(body)).not.toContain(wrong);
    expect(JSON.stringify(dataPlane.logs)).not.toContain(wrong);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('refusals', () => {
  it('answers 401 UNAUTHENTICATED without a key, which the SDK raises as ApiError 401', async () => {
    const response = await post('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', message: expect.stringContaining('x-goog-api-key') } });
    const client = new GoogleGenAI({ apiKey: createTestKey().key, httpOptions: { baseUrl: dataPlane.url } });
    const error = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401 });
    expect(fake.requests).toHaveLength(0);
    expect(dataPlane.usageEvents).toHaveLength(0);
  });

  it('answers 403 PERMISSION_DENIED for a model the key may not use, and records the refusal', async () => {
    const response = await post('/v1beta/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': restricted.key });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 403, model: 'gemini-2.5-flash', inputTokens: 0 });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Gemini colon paths next to the OpenAI routes', () => {
  it("leaves OpenAI's GET /v1/models and GET /v1/models/{id} to the OpenAI side while POST /v1/models/{model}:… is Gemini's", async () => {
    const openai = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toContain('gemini-2.5-flash');

    const gemini = await post('/v1/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': key.key });
    expect(gemini.status).toBe(200);
    expect(fake.requests).toHaveLength(1);

    // Whatever the OpenAI side answers for one model, it is not the Gemini handler's (Google-shaped) answer.
    const one = await fetch(`${dataPlane.url}/v1/models/gemini-2.5-flash`, { headers: { authorization: `Bearer ${key.key}` } });
    const body = (await one.json()) as { error?: { status?: unknown } };
    expect(body.error?.status).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });
});
