// The gateway's own refusals on POST /v1/responses: OpenAI's error shape (so the SDK raises its
// typed errors), one REJECTED usage event each, and nothing sent upstream.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let restricted: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  restricted = createTestKey({ allowedModels: ['gpt-4o-mini'] });
  dataPlane = await startTestDataPlane({ keys: [key, restricted], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
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

async function refused(body: unknown): Promise<{ status: number; error: unknown }> {
  const response = await fetch(`${dataPlane.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, error: ((await response.json()) as { error: unknown }).error };
}

describe('POST /v1/responses, refusals', () => {
  it('refuses a body that is not a JSON object, has no model, or a stream flag that is not a boolean', async () => {
    expect(await refused('{"model":')).toMatchObject({ status: 400, error: { code: 'invalid_json', param: null } });
    expect(await refused('["gpt-4o-mini"]')).toMatchObject({ status: 400, error: { code: 'invalid_json' } });
    expect(await refused({ input: 'hi' })).toEqual({
      status: 400,
      error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: 'missing_required_parameter' },
    });
    expect(await refused({ model: 'gpt-4o-mini', input: 'hi', stream: 'yes' })).toEqual({
      status: 400,
      error: { message: "Invalid type for 'stream': expected a boolean.", type: 'invalid_request_error', param: 'stream', code: 'invalid_type' },
    });
    const events = await dataPlane.waitForUsage(4);
    expect(events.map((e) => [e.status, e.httpStatus, e.model])).toEqual([
      ['REJECTED', 400, ''],
      ['REJECTED', 400, ''],
      ['REJECTED', 400, ''],
      ['REJECTED', 400, 'gpt-4o-mini'],
    ]);
    expect(fake.requests).toEqual([]);
  });

  it('refuses background responses, whose result and usage would only come to a later GET', async () => {
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'background', code: 'unsupported_parameter' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: 'gpt-4o-mini', costPicoUsd: '0' });
    expect(fake.requests).toEqual([]);
  });

  it('refuses conversations, whose ids would be shared by every account, and accepts conversation: null', async () => {
    for (const conversation of ['conv_123', { id: 'conv_123' }]) {
      const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', conversation }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, param: 'conversation', code: 'unsupported_parameter', message: expect.stringContaining('previous_response_id') });
    }
    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => [e.status, e.httpStatus, e.model])).toEqual([
      ['REJECTED', 400, 'gpt-4o-mini'],
      ['REJECTED', 400, 'gpt-4o-mini'],
    ]);
    expect(fake.requests).toEqual([]);
    await expect(client.responses.create({ model: 'gpt-4o-mini', input: 'hi', conversation: null })).resolves.toMatchObject({ status: 'completed' });
  });

  it("refuses an unknown model with 404 and another key's model with 403", async () => {
    const unknown = await client.responses.create({ model: 'gpt-9', input: 'hi' }).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found' });
    const sdk = new OpenAI({ apiKey: restricted.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const notAllowed = await sdk.responses.create({ model: 'gpt-4o', input: 'hi', stream: true }).catch((caught: unknown) => caught);
    expect(notAllowed).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(notAllowed).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => [e.status, e.httpStatus, e.model, e.apiKeyId])).toEqual([
      ['REJECTED', 404, 'gpt-9', key.apiKeyId],
      ['REJECTED', 403, 'gpt-4o', restricted.apiKeyId],
    ]);
    expect(fake.requests).toEqual([]);
  });

  it('refuses Anthropic, Gemini and simulated models (OpenAI models only) and models without the responses capability', async () => {
    const claude = await client.responses.create({ model: 'claude-sonnet-4-5', input: 'hi' }).catch((caught: unknown) => caught);
    expect(claude).toBeInstanceOf(OpenAI.BadRequestError);
    expect((claude as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message:
        "The model 'claude-sonnet-4-5' is served by anthropic; /v1/responses serves OpenAI models only. Use /v1/chat/completions, or anthropic's own API on this gateway.",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_supported_on_this_route',
    });
    for (const model of ['gemini-2.5-flash', 'simulated-gpt']) {
      expect(await refused({ model, input: 'hi' })).toMatchObject({ status: 400, error: { message: expect.stringContaining('serves OpenAI models only'), param: 'model' } });
    }
    expect(await refused({ model: 'text-embedding-3-small', input: 'hi' })).toEqual({
      status: 400,
      error: {
        message: "The model 'text-embedding-3-small' is not a model the Responses API serves and cannot be used on /v1/responses.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_supported_on_this_route',
      },
    });
    const events = await dataPlane.waitForUsage(4);
    expect(events.map((e) => [e.status, e.httpStatus, e.provider])).toEqual([
      ['REJECTED', 400, 'anthropic'],
      ['REJECTED', 400, 'gemini'],
      ['REJECTED', 400, 'simulated'],
      ['REJECTED', 400, 'openai'],
    ]);
    expect(fake.requests).toEqual([]);
  });
});
