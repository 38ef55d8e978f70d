// POST /v1/embeddings driven by the official openai SDK against the fake OpenAI upstream: the
// answer must reach the client byte for byte (the SDK asks for base64 and decodes it), and the
// usage event must carry OpenAI's own count, costed at the catalogue price.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staticPriceVersionId } from '../../../../data-plane/catalogue/static.js';
import { costOf, type BilledTokens } from '../../../../shared/pricing.js';
import { seedModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { countEmbeddingTokens, cutStream, fakeEmbedding, rateLimited, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const MODEL = 'text-embedding-3-small';
const SMALL = seedModel(MODEL).prices;

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let restricted: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  restricted = createTestKey({ allowedModels: ['text-embedding-3-large'] });
  dataPlane = await startTestDataPlane({
    keys: [key, restricted],
    upstream: { baseUrl: fake.url, apiKey: fake.apiKey },
    // One attempt: the 429 below must reach the client as the upstream sent it.
    env: { UPSTREAM_MAX_ATTEMPTS: '1' },
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

function post(body: string, apiKey = key.key): Promise<Response> {
  return fetch(`${dataPlane.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
}

function tokens(input: number): BilledTokens {
  return { inputTokens: input, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0 };
}

describe('POST /v1/embeddings', () => {
  it("decodes the SDK's default base64 answer to the upstream's floats and records OpenAI's count at the catalogue price", async () => {
    const { data, response } = await client.embeddings.create({ model: MODEL, input: 'hello embedding world', dimensions: 8 }).withResponse();

    expect(fake.requests[0]?.body).toMatchObject({ model: MODEL, encoding_format: 'base64', dimensions: 8 });
    expect(data.data[0]?.embedding).toEqual(fakeEmbedding('hello embedding world', 8));
    expect(data.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId: response.headers.get('x-tokenbyte-request-id'),
      provider: 'openai',
      model: MODEL,
      ...tokens(3),
      priceVersionId: staticPriceVersionId(MODEL),
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
      ttftMs: expect.any(Number),
    });
    expect(event!.costPicoUsd).toBe(costOf(tokens(3), SMALL).toString());
    expect(BigInt(event!.costPicoUsd)).toBeGreaterThan(0n);
  });

  it('embeds an array of strings, and token-id arrays, counting what OpenAI counts', async () => {
    const inputs = ['a first input', 'and a second one'];
    const floats = await client.embeddings.create({ model: MODEL, input: inputs, encoding_format: 'float' });
    expect(floats.data.map((item) => item.embedding)).toEqual(inputs.map((input) => fakeEmbedding(input, 1536)));
    await client.embeddings.create({ model: MODEL, input: [[1, 2, 3], [4, 5]] });

    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => [e.status, e.inputTokens, e.outputTokens, e.usageEstimated])).toEqual([
      ['SUCCESS', countEmbeddingTokens(inputs), 0, false],
      ['SUCCESS', 5, 0, false],
    ]);
  });

  it('passes the answer through byte for byte, with its length, sending the client body unchanged with our key', async () => {
    const body = JSON.stringify({ input: ['x y', 'z'], model: MODEL, encoding_format: 'base64', dimensions: 16, user: 'u-1' });
    const viaGateway = await post(body);
    const bytes = Buffer.from(await viaGateway.arrayBuffer());
    const direct = await fetch(`${fake.url}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' }, body });
    expect(bytes.equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);
    expect(viaGateway.headers.get('content-length')).toBe(String(bytes.length));
    expect(viaGateway.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(viaGateway.headers.get('openai-organization')).toBeNull();

    expect(fake.requests[0]?.rawBody).toBe(body);
    expect(fake.requests[0]?.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
    expect(JSON.stringify(fake.requests[0]?.headers)).not.toContain(key.key);
  });

  it('passes an upstream 429 through as RateLimitError and bills nothing', async () => {
    fake.enqueue(rateLimited({ retryAfterSeconds: 9, model: MODEL }));
    const error = await client.embeddings.create({ model: MODEL, input: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('9');
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 429, inputTokens: 0, usageEstimated: false, costPicoUsd: '0' });
  });

  it('records an estimate of the input when the upstream ends the answer before its usage', async () => {
    fake.enqueue(cutStream(0, 'end'));
    const input = 'twelve chars';
    // Half a JSON body is what the client gets, as OpenAI sent it.
    await expect(client.embeddings.create({ model: MODEL, input })).rejects.toThrow();
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', httpStatus: 200, usageEstimated: true, inputTokens: Math.ceil(input.length / 4), outputTokens: 0 });
  });

  it('cuts the connection when the upstream stalls mid-answer, and records TIMEOUT with an estimate', async () => {
    const impatient = await startTestDataPlane({ keys: [key], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { UPSTREAM_IDLE_TIMEOUT_MS: '300' } });
    try {
      fake.enqueue(cutStream(0, 'stall'));
      const sdk = new OpenAI({ apiKey: key.key, baseURL: `${impatient.url}/v1`, maxRetries: 0 });
      const input = ['a', 'b c'];
      // The body breaks off: fetch reports the cut connection ("terminated"), never a short answer.
      await expect(sdk.embeddings.create({ model: MODEL, input })).rejects.toThrow('terminated');
      const [event] = await impatient.waitForUsage(1);
      expect(event).toMatchObject({ status: 'TIMEOUT', httpStatus: 200, usageEstimated: true, inputTokens: 1, outputTokens: 0, ttftMs: expect.any(Number) });
      expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
    } finally {
      await impatient.stop();
    }
  });
});

describe('POST /v1/embeddings, refusals in OpenAI\'s shape', () => {
  const refused = async (body: unknown, apiKey = key.key): Promise<{ status: number; error: unknown }> => {
    const response = await post(typeof body === 'string' ? body : JSON.stringify(body), apiKey);
    return { status: response.status, error: ((await response.json()) as { error: unknown }).error };
  };

  it('refuses a malformed body, naming the parameter', async () => {
    expect(await refused('{"model":')).toMatchObject({ status: 400, error: { code: 'invalid_json' } });
    expect(await refused({ model: MODEL })).toEqual({
      status: 400,
      error: { message: "Missing required parameter: 'input'.", type: 'invalid_request_error', param: 'input', code: 'missing_required_parameter' },
    });
    expect(await refused({ model: MODEL, input: 42 })).toMatchObject({ status: 400, error: { param: 'input', code: 'invalid_type' } });
    expect(await refused({ model: MODEL, input: ['text', 7] })).toMatchObject({ status: 400, error: { param: 'input', code: 'invalid_type' } });
    expect(await refused({ input: 'x' })).toMatchObject({ status: 400, error: { param: 'model', code: 'missing_required_parameter' } });
    const events = await dataPlane.waitForUsage(5);
    expect(events.map((e) => [e.status, e.httpStatus])).toEqual(Array(5).fill(['REJECTED', 400]));
    expect(fake.requests).toEqual([]);
  });

  it('refuses an unknown model with 404, a chat model and another provider\'s embedding model with 400, another key\'s model with 403', async () => {
    const unknown = await client.embeddings.create({ model: 'text-embedding-9', input: 'x' }).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found' });

    const chat = await client.embeddings.create({ model: 'gpt-4o-mini', input: 'x' }).catch((caught: unknown) => caught);
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chat as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: "The model 'gpt-4o-mini' is not an embeddings model and cannot be used on /v1/embeddings.",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_supported_on_this_route',
    });
    expect(await refused({ model: 'gemini-embedding-001', input: 'x' })).toMatchObject({
      status: 400,
      error: { message: expect.stringContaining('/v1/embeddings serves OpenAI models only'), param: 'model', code: 'model_not_supported_on_this_route' },
    });
    expect(await refused({ model: 'simulated-gpt', input: 'x' })).toMatchObject({ status: 400, error: { code: 'model_not_supported_on_this_route' } });

    const sdk = new OpenAI({ apiKey: restricted.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const notAllowed = await sdk.embeddings.create({ model: MODEL, input: 'x' }).catch((caught: unknown) => caught);
    expect(notAllowed).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(notAllowed).toMatchObject({ code: 'model_not_allowed', param: 'model' });

    const events = await dataPlane.waitForUsage(5);
    expect(events.map((e) => [e.status, e.httpStatus, e.model, e.costPicoUsd])).toEqual([
      ['REJECTED', 404, 'text-embedding-9', '0'],
      ['REJECTED', 400, 'gpt-4o-mini', '0'],
      ['REJECTED', 400, 'gemini-embedding-001', '0'],
      ['REJECTED', 400, 'simulated-gpt', '0'],
      ['REJECTED', 403, MODEL, '0'],
    ]);
    expect(events[4]?.apiKeyId).toBe(restricted.apiKeyId);
    expect(fake.requests).toEqual([]);
  });
});
