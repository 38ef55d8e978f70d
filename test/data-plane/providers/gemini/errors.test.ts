// Upstream errors reach the client unchanged (status, Google's body); the gateway's own
// refusals and failures are in Google's error shape, so @google/genai raises ApiError with
// the right status for both.
import { createServer } from 'node:net';
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import {
  hang,
  internalError,
  invalidArgument,
  permissionDenied,
  resourceExhausted,
  startFakeGemini,
  unavailable,
  type FakeBehaviour,
  type FakeGemini,
} from '../../../helpers/fake-gemini.js';

const CONTENTS = [{ role: 'user', parts: [{ text: 'Say hello to the gateway' }] }];
const TIMEOUT_MS = 300;

let fake: FakeGemini;
let key: TestKey;
let dataPlane: TestDataPlane;
let impatient: TestDataPlane;
let unconfigured: TestDataPlane;
let unreachable: TestDataPlane;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  fake = await startFakeGemini({ chunkDelayMs: 1 });
  key = createTestKey();
  const gemini = { baseUrl: fake.url, apiKey: fake.apiKey };
  // One attempt: these tests are about what reaches the client when the gateway does not retry (retries: retry.test.ts).
  dataPlane = await startTestDataPlane({ keys: [key], gemini, env: { MAX_REQUEST_BODY_BYTES: '2048', UPSTREAM_MAX_ATTEMPTS: '1' } });
  impatient = await startTestDataPlane({ keys: [key], gemini, env: { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  unconfigured = await startTestDataPlane({ keys: [key] });
  unreachable = await startTestDataPlane({ keys: [key], gemini: { baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: 'x' } });
});

afterAll(async () => {
  for (const plane of [dataPlane, impatient, unconfigured, unreachable]) await plane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  for (const plane of [dataPlane, impatient, unconfigured, unreachable]) plane.usageEvents.length = 0;
});

function sdk(plane: TestDataPlane, apiVersion = 'v1beta'): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: plane.url, apiVersion } });
}

function post(plane: TestDataPlane, path: string, body: string): Promise<Response> {
  return fetch(`${plane.url}${path}`, { method: 'POST', headers: { 'x-goog-api-key': key.key, 'content-type': 'application/json' }, body });
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('upstream errors pass through unchanged', () => {
  const cases: Array<[string, FakeBehaviour, number, string]> = [
    ['400 INVALID_ARGUMENT', invalidArgument('* GenerateContentRequest.generation_config.temperature: must be at most 2'), 400, 'INVALID_ARGUMENT'],
    ['403 PERMISSION_DENIED', permissionDenied(), 403, 'PERMISSION_DENIED'],
    ['429 RESOURCE_EXHAUSTED', resourceExhausted({ retryDelaySeconds: 9 }), 429, 'RESOURCE_EXHAUSTED'],
    ['500 INTERNAL', internalError(), 500, 'INTERNAL'],
    ['503 UNAVAILABLE', unavailable(), 503, 'UNAVAILABLE'],
  ];
  it.each(cases)('%s: same status, same body, recorded as UPSTREAM_ERROR with no tokens', async (_name, behaviour, status, googleStatus) => {
    fake.enqueue(behaviour);
    const error = await caught(sdk(dataPlane).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }));
    expect(error.status).toBe(status);
    // The SDK puts the body it received in the message: exactly what the upstream sent.
    expect(error.message).toBe(fake.requests[0]!.sent);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: status, status: googleStatus } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: status, inputTokens: 0, outputTokens: 0, usageEstimated: false });
  });

  it('passes an error answered to a stream request through as the same ApiError', async () => {
    fake.enqueue(resourceExhausted({ retryDelaySeconds: 3 }));
    const error = await caught(sdk(dataPlane, 'v1').models.generateContentStream({ model: 'gemini-2.5-flash', contents: CONTENTS }));
    expect(error.status).toBe(429);
    expect(error.message).toContain('"retryDelay":"3s"');
  });
});

describe("the gateway's own refusals, in Google's shape", () => {
  it('400 INVALID_ARGUMENT for a body that is not a JSON object', async () => {
    const response = await post(dataPlane, '/v1beta/models/gemini-2.5-flash:generateContent', '[1, 2');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', details: [{ reason: 'INVALID_JSON' }] } });
    expect(fake.requests).toHaveLength(0);
  });

  it('400 INVALID_ARGUMENT with Google\'s wording for a body over the limit (Google does not answer 413)', async () => {
    const big = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(4096) }] }] });
    const response = await post(dataPlane, '/v1beta/models/gemini-2.5-flash:generateContent', big);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Request payload size exceeds the limit: 2048 bytes.' } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400 });
  });

  it('404 NOT_FOUND for a method the gateway does not serve, or a name that is not one model', async () => {
    for (const path of ['/v1beta/models/gemini-2.5-flash:predict', '/v1beta/models/gemini-2.5-flash', '/v1/models/a/b:generateContent']) {
      const response = await post(dataPlane, path, '{}');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('404 NOT_FOUND for a model the catalogue does not list as a Gemini model (unknown, or another provider\'s)', async () => {
    for (const model of ['gemini-0-imaginary', 'gpt-5']) {
      const error = await caught(sdk(dataPlane).models.generateContent({ model, contents: CONTENTS }));
      expect(error.status).toBe(404);
      expect(JSON.parse(error.message)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND', message: `models/${model} is not found for API version v1beta, or is not supported for generateContent.` } });
    }
    expect(fake.requests).toHaveLength(0);
    const events = await dataPlane.waitForUsage(2);
    expect(events.map((event) => [event.status, event.httpStatus, event.model])).toEqual([
      ['REJECTED', 404, 'gemini-0-imaginary'],
      ['REJECTED', 404, 'gpt-5'],
    ]);
  });

  it('400 for streamGenerateContent without alt=sse (Google would stream a JSON array the gateway does not serve)', async () => {
    const response = await post(dataPlane, '/v1beta/models/gemini-2.5-flash:streamGenerateContent', JSON.stringify({ contents: CONTENTS }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('alt=sse') } });
  });

  it('400 when a batch entry names another model than the URL (which is the one authorised and billed)', async () => {
    const body = { requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } }, { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } }] };
    const response = await post(dataPlane, '/v1beta/models/gemini-embedding-001:batchEmbedContents', JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'MODEL_MISMATCH' }] } });
    expect(fake.requests).toHaveLength(0);
  });

  it('503 UNAVAILABLE when no Gemini upstream is configured', async () => {
    const error = await caught(sdk(unconfigured).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }));
    expect(error.status).toBe(503);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE', details: [{ reason: 'UPSTREAM_NOT_CONFIGURED' }] } });
  });

  it('502 UNAVAILABLE when the upstream cannot be reached, recorded without tokens (nothing reached it)', async () => {
    const error = await caught(sdk(unreachable).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }));
    expect(error.status).toBe(502);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE', details: [{ reason: 'UPSTREAM_UNREACHABLE' }] } });
    const [event] = await unreachable.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 502, inputTokens: 0 });
  });

  it('504 DEADLINE_EXCEEDED when the upstream sends no headers in time; the prompt is estimated, the upstream aborted', async () => {
    fake.enqueue(hang());
    const error = await caught(sdk(impatient).models.generateContent({ model: 'gemini-2.5-flash', contents: CONTENTS }));
    expect(error.status).toBe(504);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 504, status: 'DEADLINE_EXCEEDED' } });
    const [event] = await impatient.waitForUsage(1);
    expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 504, usageEstimated: true, inputTokens: Math.ceil('Say hello to the gateway'.length / 4), outputTokens: 0 });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });
});
