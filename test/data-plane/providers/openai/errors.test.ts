// Upstream errors must reach the client unchanged; the gateway's own refusals must look
// exactly like OpenAI errors, so the SDKs raise the right error classes.
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { badRequest, rateLimited, serverError, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello to the gateway' }];

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let restricted: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  restricted = createTestKey({ allowedModels: ['gpt-4o-mini'] });
  dataPlane = await startTestDataPlane({
    keys: [key, restricted],
    upstream: { baseUrl: fake.url, apiKey: fake.apiKey },
    // One attempt: these tests are about what reaches the client when the gateway does not retry (retries: retry.test.ts).
    env: { MAX_REQUEST_BODY_BYTES: '2048', UPSTREAM_MAX_ATTEMPTS: '1' },
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

function post(body: string, headers: Record<string, string> = { authorization: `Bearer ${key.key}` }): Promise<Response> {
  return fetch(`${dataPlane.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('upstream errors', () => {
  it('passes a 429 with retry-after through as RateLimitError and records UPSTREAM_ERROR', async () => {
    fake.enqueue(rateLimited({ retryAfterSeconds: 7 }));
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId: rateLimit.headers.get('x-tokenbyte-request-id'),
      status: 'UPSTREAM_ERROR',
      httpStatus: 429,
      inputTokens: 0,
      outputTokens: 0,
      usageEstimated: false,
    });
  });

  it('passes a 500 through as InternalServerError with the upstream body unchanged', async () => {
    fake.enqueue(serverError('Something broke upstream.'));
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }));

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).error).toEqual({
      message: 'Something broke upstream.',
      type: 'server_error',
      param: null,
      code: null,
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 500, usageEstimated: false });
  });

  it('passes an upstream 400 through as BadRequestError', async () => {
    fake.enqueue(badRequest("Invalid value for 'temperature'.", 'temperature'));
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'temperature', code: null });
  });

  it('answers 502 upstream_unreachable when nothing listens upstream', async () => {
    // Port 1 is privileged and unused here: a freed ephemeral port could be taken by a parallel test.
    const lonely = await startTestDataPlane({ keys: [key], upstream: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-x' } });
    try {
      const sdk = new OpenAI({ apiKey: key.key, baseURL: `${lonely.url}/v1`, maxRetries: 0 });
      const error = await caught(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_unreachable' });
      const [event] = await lonely.waitForUsage(1);
      // The request never left the gateway: nothing can have been billed.
      expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 502, inputTokens: 0, usageEstimated: false, ttftMs: null });
    } finally {
      await lonely.stop();
    }
  });
});

describe('gateway refusals', () => {
  it('refuses a missing key with 401 invalid_api_key and records nothing', async () => {
    const response = await post(JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }), {});
    expect(response.status).toBe(401);
    expect(response.headers.get('x-tokenbyte-request-id')).toBeTruthy();
    expect(await response.json()).toEqual({
      error: {
        message: 'No API key provided. Send your TokenByte key as "Authorization: Bearer <key>" or in the "x-api-key" header.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    // A later authenticated request is the first event: the 401 recorded none.
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    const events = await dataPlane.waitForUsage(1);
    expect(events.map((event) => event.status)).toEqual(['SUCCESS']);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses an unknown key as AuthenticationError without echoing it', async () => {
    const stranger = createTestKey();
    const sdk = new OpenAI({ apiKey: stranger.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const error = await caught(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toEqual({
      message: 'Incorrect API key provided.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a model outside the key\'s allowlist with 403 model_not_allowed', async () => {
    const sdk = new OpenAI({ apiKey: restricted.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const error = await caught(sdk.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).error).toEqual({
      message: "This API key is not allowed to use the model 'gpt-4o'.",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_allowed',
    });
    expect(fake.requests).toHaveLength(0);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 403, model: 'gpt-4o', apiKeyId: restricted.apiKeyId, inputTokens: 0 });

    await expect(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })).resolves.toBeTruthy();
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const response = await post('{"model":');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: 'The request body could not be parsed as a JSON object.', type: 'invalid_request_error', param: null, code: 'invalid_json' },
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: '' });
  });

  it('refuses a body without messages or model with 400 missing_required_parameter', async () => {
    const noMessages = await post(JSON.stringify({ model: 'gpt-4o-mini' }));
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toEqual({
      error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' },
    });
    const noModel = await post(JSON.stringify({ messages: MESSAGES }));
    expect(await noModel.json()).toMatchObject({ error: { param: 'model', code: 'missing_required_parameter' } });
    const badType = await post(JSON.stringify({ model: 'gpt-4o-mini', messages: 'hi' }));
    expect(await badType.json()).toMatchObject({ error: { param: 'messages', code: 'invalid_type' } });

    const events = await dataPlane.waitForUsage(3);
    expect(events.map((event) => [event.status, event.httpStatus, event.model])).toEqual([
      ['REJECTED', 400, 'gpt-4o-mini'],
      ['REJECTED', 400, ''],
      ['REJECTED', 400, 'gpt-4o-mini'],
    ]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a file_id (a file stored in the organisation every customer shares) and lets inline file_data through', async () => {
    const file = (fields: Record<string, string>) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Summarise' }, { type: 'file' as const, file: fields }] }];
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: file({ file_id: 'file-abc123' }) }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[0].content[1].file.file_id',
      code: 'unsupported_parameter',
    });
    expect(fake.requests).toHaveLength(0);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: 'gpt-4o-mini' });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: file({ filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }) });
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a body over the limit with 413 by its content-length', async () => {
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(4096) }] }));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'The request body exceeds the limit of 2048 bytes.',
      type: 'invalid_request_error',
      param: null,
      code: 'request_too_large',
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 413 });
  });

  it('refuses a chunked body over the limit with 413 while reading it', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${dataPlane.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (part: Buffer) => (text += part.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${'y'.repeat(1500)}`);
      req.end(`${'z'.repeat(1500)}"}]}`);
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'request_too_large' } });
    expect(fake.requests).toHaveLength(0);
  });
});
