// GET /v1/models lists what the key may call: the catalogue's enabled models, narrowed by the key's allowlist.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStaticCatalogue } from '../../../../data-plane/catalogue/static.js';
import { catalogueSeed } from '../../../../shared/catalogue.js';
import { testModel } from '../../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const SOON = testModel('priced-from-tomorrow');

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let open: TestKey;
let restricted: TestKey;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  open = createTestKey();
  // 'gpt-5-imaginary' is allowed but not in the catalogue: the list must not invent it.
  restricted = createTestKey({ allowedModels: ['gpt-4o-mini', 'text-embedding-3-small', 'claude-sonnet-4-5', 'gpt-5-imaginary', 'priced-from-tomorrow'] });
  const catalogue = createStaticCatalogue([...catalogueSeed(), SOON], {
    // A model whose first price takes effect later cannot be called yet, so it is not listed yet.
    versions: { [SOON.name]: [{ priceVersionId: '01a21970-0000-7000-8000-000000000001', effectiveFrom: Date.now() + 86_400_000, prices: SOON.prices }] },
  });
  dataPlane = await startTestDataPlane({ keys: [open, restricted], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, catalogue });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.logs.length = 0;
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
  it('lists every catalogue model that can be called now, of every provider, by name, without asking the upstream', async () => {
    const names = catalogueSeed().map((m) => m.name);
    expect(await ids(sdk(open))).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'simulated-gpt']));
    expect(fake.requests).toEqual([]);
  });

  it("lists only the allowed models that the catalogue has, in OpenAI's list shape with the provider as owner", async () => {
    const response = await fetch(`${dataPlane.url}/v1/models`, { headers: { authorization: `Bearer ${restricted.key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-tokenbyte-request-id')).toBeTruthy();
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        { id: 'claude-sonnet-4-5', object: 'model', created: 0, owned_by: 'anthropic' },
        { id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' },
        { id: 'text-embedding-3-small', object: 'model', created: 0, owned_by: 'openai' },
      ],
    });
    expect(await ids(sdk(restricted))).toEqual(['claude-sonnet-4-5', 'gpt-4o-mini', 'text-embedding-3-small']);
  });

  it('accepts the key in x-api-key and refuses a request without one', async () => {
    const withHeader = await fetch(`${dataPlane.url}/v1/models`, { headers: { 'x-api-key': restricted.key } });
    expect(withHeader.status).toBe(200);
    const without = await fetch(`${dataPlane.url}/v1/models`);
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('records no usage event for listing, only a log line', async () => {
    await ids(sdk(open));
    expect(dataPlane.usageEvents).toEqual([]);
    expect(dataPlane.logs.filter((line) => line['msg'] === 'request completed' && line['path'] === '/v1/models')).toHaveLength(1);
  });
});
