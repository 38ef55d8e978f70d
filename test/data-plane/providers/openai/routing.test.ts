// /v1/chat/completions routes by the catalogue: the client's `model` is a public name, the
// upstream gets the catalogue's upstream name, and the call is costed at the price in
// effect when it arrived.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStaticCatalogue } from '../../../../data-plane/catalogue/static.js';
import { catalogueSeed } from '../../../../shared/catalogue.js';
import { testModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { buildUsage, countPromptTokens, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Route me' }];
const PROMPT = countPromptTokens(MESSAGES);
// A house name for a dated snapshot: the upstream must only ever see the snapshot's name.
const HOUSE = testModel('house-mini', { upstreamModel: 'gpt-4o-mini-2024-07-18', prices: { input: 100_000, output: 400_000 } });

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let houseOnly: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  houseOnly = createTestKey({ allowedModels: ['house-mini'] });
  const catalogue = createStaticCatalogue([...catalogueSeed().filter((m) => m.name !== 'gpt-4o'), HOUSE]);
  dataPlane = await startTestDataPlane({ keys: [key, houseOnly], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, catalogue });
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

async function post(body: string, apiKey = key.key): Promise<Response> {
  return fetch(`${dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body,
  });
}

describe('routing by the catalogue', () => {
  it("answers an unknown model with 404 model_not_found in OpenAI's shape, and a disabled one alike", async () => {
    // gpt-4o is a real model, but not in (disabled from) this gateway's catalogue.
    for (const model of ['gpt-9-nonexistent', 'gpt-4o']) {
      const error = await client.chat.completions.create({ model, messages: MESSAGES }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      });
    }
    expect(fake.requests).toEqual([]);
    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => [e.status, e.httpStatus, e.model, e.priceVersionId, e.costPicoUsd])).toEqual([
      ['REJECTED', 404, 'gpt-9-nonexistent', null, '0'],
      ['REJECTED', 404, 'gpt-4o', null, '0'],
    ]);
  });

  it('refuses a model without the chat capability (an embeddings model) with 400, without calling the upstream', async () => {
    const error = await client.chat.completions.create({ model: 'text-embedding-3-small', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ param: 'model', code: 'model_not_supported_on_this_route' });
    expect(fake.requests).toEqual([]);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: 'text-embedding-3-small', costPicoUsd: '0' });
  });

  it('sends a model of another provider to that provider (translated), never to the OpenAI upstream: 503 when it is not configured', async () => {
    // This data-plane has no Anthropic upstream; translation itself is covered in translated.test.ts.
    const response = await post(JSON.stringify({ model: 'claude-sonnet-4-5', messages: MESSAGES }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        message: "The model 'claude-sonnet-4-5' is served by anthropic, which is not configured on this gateway.",
        type: 'server_error',
        param: null,
        code: 'provider_not_configured',
      },
    });
    expect(fake.requests).toEqual([]);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 503, provider: 'anthropic', model: 'claude-sonnet-4-5', costPicoUsd: '0' });
  });

  it("sends the catalogue's upstream name upstream, changing nothing else, and leaves the answer's model as the provider sent it", async () => {
    const body = `{"temperature":0.25,"model":"house-mini","messages":${JSON.stringify(MESSAGES)},"user":"u-1"}`;
    const response = await post(body, houseOnly.key);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe('gpt-4o-mini-2024-07-18');
    expect(fake.requests[0]?.rawBody).toBe(body.replace('"model":"house-mini"', '"model":"gpt-4o-mini-2024-07-18"'));
    const [event] = await dataPlane.waitForUsage(1);
    const usage = buildUsage(PROMPT, 5);
    expect(event).toMatchObject({ model: 'house-mini', provider: 'openai', status: 'SUCCESS' });
    expect(event!.costPicoUsd).toBe(String(usage.prompt_tokens * 100_000 + usage.completion_tokens * 400_000));
  });

  it('renames the model in a stream request too, together with the include_usage it adds', async () => {
    const stream = await client.chat.completions.create({ model: 'house-mini', messages: MESSAGES, stream: true });
    for await (const chunk of stream) expect(chunk.model).toBe('gpt-4o-mini-2024-07-18');
    expect(fake.requests[0]?.body).toEqual({ model: 'gpt-4o-mini-2024-07-18', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ model: 'house-mini', usageEstimated: false });
    expect(BigInt(event!.costPicoUsd)).toBeGreaterThan(0n);
  });

  it('costs each call at the price in effect when it arrived: a scheduled price applies from its instant, with no reload', async () => {
    const changing = testModel('changing-model', { prices: { input: 1_000_000, output: 2_000_000 } });
    const [v1, v2] = ['01a21970-0000-7000-8000-00000000000a', '01a21970-0000-7000-8000-00000000000b'];
    const changeAt = Date.now() + 1_000;
    const catalogue = createStaticCatalogue([changing], {
      versions: {
        [changing.name]: [
          { priceVersionId: v1, effectiveFrom: 0, prices: changing.prices },
          { priceVersionId: v2, effectiveFrom: changeAt, prices: { ...changing.prices, input: 3_000_000 } },
        ],
      },
    });
    const own = await startTestDataPlane({ keys: [key], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, catalogue });
    fake.setReply({ usage: { prompt_tokens: 1_000, completion_tokens: 10 } });
    try {
      const sdk = new OpenAI({ apiKey: key.key, baseURL: `${own.url}/v1`, maxRetries: 0 });
      await sdk.chat.completions.create({ model: 'changing-model', messages: MESSAGES });
      const [first] = await own.waitForUsage(1);
      expect(Date.parse(first!.createdAt)).toBeLessThan(changeAt);
      await new Promise((resolve) => setTimeout(resolve, changeAt - Date.now() + 10));
      await sdk.chat.completions.create({ model: 'changing-model', messages: MESSAGES });
      const events = await own.waitForUsage(2);
      expect(events.map((e) => [e.priceVersionId, e.costPicoUsd])).toEqual([
        [v1, String(1_000 * 1_000_000 + 10 * 2_000_000)],
        [v2, String(1_000 * 3_000_000 + 10 * 2_000_000)],
      ]);
    } finally {
      fake.setReply({});
      await own.stop();
    }
  });
});
