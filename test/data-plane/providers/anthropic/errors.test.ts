// Anthropic's errors must reach the client unchanged, and the gateway's own refusals must look
// exactly like Anthropic's, so the Anthropic SDK raises the same typed errors either way.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { badRequest, hang, overloaded, rateLimited, startFakeAnthropic, type FakeAnthropic } from '../../../helpers/fake-anthropic.js';
import { ESTIMATED_INPUT, MESSAGES, MODEL, SYSTEM, anthropicClient, rejection } from './setup.js';

const TIMEOUT_MS = 300;
const params = { model: MODEL, max_tokens: 64, system: SYSTEM, messages: MESSAGES };

let fake: FakeAnthropic;
let dataPlane: TestDataPlane;
let key: TestKey;
let restricted: TestKey;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ chunkDelayMs: 1 });
  key = createTestKey();
  restricted = createTestKey({ allowedModels: ['claude-opus-4-1'] });
  dataPlane = await startTestDataPlane({
    keys: [key, restricted],
    anthropic: { baseUrl: fake.url, apiKey: fake.apiKey },
    // One attempt: these tests are about what reaches the client when the gateway does not retry (retries: retry.test.ts).
    env: { MAX_REQUEST_BODY_BYTES: '2048', UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_MAX_ATTEMPTS: '1' },
  });
  client = anthropicClient(dataPlane.url, key.key);
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
});

function post(body: string, headers: Record<string, string> = { 'x-api-key': key.key }): Promise<Response> {
  return fetch(`${dataPlane.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body });
}

describe('gateway refusals, in Anthropic\'s error shape', () => {
  it('refuses a missing key with 401 authentication_error and records nothing', async () => {
    const response = await post(JSON.stringify(params), {});
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-tokenbyte-request-id');
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringContaining('No API key provided') },
      request_id: requestId,
    });
    expect(dataPlane.usageEvents).toEqual([]);
  });

  it('raises AuthenticationError in the SDK for an unknown key', async () => {
    const error = await rejection(anthropicClient(dataPlane.url, 'tbk_not_a_real_key').messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(fake.requests).toEqual([]);
  });

  it('raises PermissionDeniedError for a model the key may not use, and records REJECTED', async () => {
    const error = await rejection(anthropicClient(dataPlane.url, restricted.key).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(error).toMatchObject({ status: 403, type: 'permission_error' });
    expect((error as InstanceType<typeof Anthropic.APIError>).apiMessage).toContain(MODEL);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 403, model: MODEL, provider: 'anthropic', inputTokens: 0 });
    expect(fake.requests).toEqual([]);
  });

  it('refuses malformed JSON and a missing model with 400 invalid_request_error', async () => {
    const malformed = await post('{"model": "claude-haiku-4-5", "messages": [');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const error = await rejection(client.messages.create({ ...params, model: undefined as unknown as string }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({ type: 'invalid_request_error', apiMessage: "Missing required parameter: 'model'." });
    expect(fake.requests).toEqual([]);
  });

  it('refuses an oversized body with 413 request_too_large', async () => {
    const error = await rejection(client.messages.create({ ...params, messages: [{ role: 'user', content: 'x'.repeat(4000) }] }));
    expect(error).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect(error).toMatchObject({ status: 413, type: 'request_too_large' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 413 });
  });

  it('answers 502 api_error when nothing listens upstream', async () => {
    const lonely = await startTestDataPlane({ keys: [key], anthropic: { baseUrl: 'http://127.0.0.1:1', apiKey: 'sk-ant-x' } });
    try {
      const error = await rejection(anthropicClient(lonely.url, key.key).messages.create(params));
      expect(error).toBeInstanceOf(Anthropic.InternalServerError);
      expect(error).toMatchObject({ status: 502, type: 'api_error' });
      const [event] = await lonely.waitForUsage(1);
      // The request never left the gateway: nothing can have been billed.
      expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 502, inputTokens: 0, usageEstimated: false });
    } finally {
      await lonely.stop();
    }
  });

  it('answers 504 timeout_error when Anthropic sends no headers in time, estimating the prompt it may bill', async () => {
    fake.enqueue(hang());
    const error = await rejection(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.GatewayTimeoutError);
    expect(error).toMatchObject({ status: 504, type: 'timeout_error' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 504, usageEstimated: true, inputTokens: ESTIMATED_INPUT, outputTokens: 0 });
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });

  it('answers 503 with x-should-retry: false when no Anthropic upstream is configured', async () => {
    const bare = await startTestDataPlane({ keys: [key] });
    try {
      const response = await fetch(`${bare.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key.key, 'content-type': 'application/json' }, body: JSON.stringify(params) });
      expect(response.status).toBe(503);
      expect(response.headers.get('x-should-retry')).toBe('false');
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('Anthropic') } });
    } finally {
      await bare.stop();
    }
  });
});

describe('upstream errors, passed through unchanged', () => {
  it('passes a 429 through as RateLimitError with retry-after and the rate-limit headers', async () => {
    fake.enqueue(rateLimited({ retryAfterSeconds: 7 }));
    const error = await rejection(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const limited = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(limited).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    // Anthropic's own request id, in the header and the body, as it sent them.
    expect(limited.requestID).toMatch(/^req_/);
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' }, request_id: limited.requestID });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 429, inputTokens: 0, outputTokens: 0, usageEstimated: false });
  });

  it('passes a 529 through as OverloadedError, streaming or not', async () => {
    fake.enqueue(overloaded(), overloaded());
    const plain = await rejection(client.messages.create(params));
    expect(plain).toBeInstanceOf(Anthropic.OverloadedError);
    expect(plain).toMatchObject({ status: 529, type: 'overloaded_error', apiMessage: 'Overloaded' });
    const streamed = await rejection(client.messages.stream(params).finalMessage());
    expect(streamed).toBeInstanceOf(Anthropic.OverloadedError);
  });

  it('passes an upstream 400 through as BadRequestError with its body unchanged', async () => {
    fake.enqueue(badRequest('messages.0.content: text content blocks must be non-empty'));
    const error = await rejection(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages.0.content: text content blocks must be non-empty' },
      request_id: expect.stringMatching(/^req_/),
    });
  });
});
