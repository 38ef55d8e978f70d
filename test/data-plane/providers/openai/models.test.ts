// GET /v1/models lists what the key may call: the upstream's list, narrowed by the key's allowlist.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { DEFAULT_MODELS, serverError, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let open: TestKey;
let restricted: TestKey;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  open = createTestKey();
  // 'gpt-5-imaginary' is allowed but not served upstream: the list must not invent it.
  restricted = createTestKey({ allowedModels: ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-5-imaginary'] });
  dataPlane = await startTestDataPlane({ keys: [open, restricted], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
});

function sdk(key: TestKey): OpenAI {
  return new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
}

async function ids(client: OpenAI): Promise<string[]> {
  const found: string[] = [];
  for await (const model of client.models.list()) found.push(model.id);
  return found;
}

describe('GET /v1/models', () => {
  it('lists every upstream model for a key without restrictions', async () => {
    expect(await ids(sdk(open))).toEqual(DEFAULT_MODELS.map((model) => model.id));
    expect(fake.requests[0]?.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
  });

  it('lists only the allowed models that the upstream serves, in OpenAI\'s list shape', async () => {
    const response = await fetch(`${dataPlane.url}/v1/models`, { headers: { authorization: `Bearer ${restricted.key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tokenbyte-request-id')).toBeTruthy();
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'openai' },
        { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'openai' },
      ],
    });
    expect(await ids(sdk(restricted))).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
  });

  it('accepts the key in x-api-key and refuses a request without one', async () => {
    const withHeader = await fetch(`${dataPlane.url}/v1/models`, { headers: { 'x-api-key': restricted.key } });
    expect(withHeader.status).toBe(200);
    const without = await fetch(`${dataPlane.url}/v1/models`);
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('passes an upstream error through and records no usage event for listing', async () => {
    fake.enqueue(serverError());
    const error = await sdk(open).models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    await ids(sdk(open));
    expect(dataPlane.usageEvents).toEqual([]);
    expect(dataPlane.logs.filter((line) => line['msg'] === 'request completed' && line['path'] === '/v1/models').length).toBeGreaterThan(0);
  });
});
