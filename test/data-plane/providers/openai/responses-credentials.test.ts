// A stored response lives in the organisation of the credential that created it: with several
// OpenAI credentials (each fake is its own organisation), every follow-up and every call on the
// stored response goes to that credential, whatever the weights say; once the credential is gone,
// its responses are "not found".
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unbindItemId, unbindResponseId } from '../../../../data-plane/providers/openai/response-ids.js';
import type { StoredCredential } from '../../../../data-plane/providers/upstreams.js';
import { TEST_ITEM_ID_KEY, TEST_RESPONSE_ID_KEY, createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { serverError, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let key: TestKey;
let dataPlane: TestDataPlane;
let client: OpenAI;
let credentials: readonly StoredCredential[];

beforeAll(async () => {
  primary = await startFakeOpenAI({ apiKey: 'sk-primary' });
  secondary = await startFakeOpenAI({ apiKey: 'sk-secondary' });
  key = createTestKey();
  dataPlane = await startTestDataPlane({
    keys: [key],
    upstream: { baseUrl: primary.url, apiKey: primary.apiKey },
    // Read on every call, as the database-backed cache is: a test can take a credential away.
    credentials: { forProvider: (provider) => (provider === 'openai' ? credentials : null) },
    env: { UPSTREAM_RETRY_BASE_DELAY_MS: '10', UPSTREAM_CREDENTIAL_COOLDOWN_MS: '1' },
  });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await primary?.close();
  await secondary?.close();
});

beforeEach(() => {
  primary.reset();
  secondary.reset();
  // The primary takes all the traffic; the secondary is a standby, used only when the primary fails.
  credentials = [
    { id: 'cred-primary', baseUrl: null, apiKey: 'sk-primary', weight: 1 },
    { id: 'cred-secondary', baseUrl: secondary.url, apiKey: 'sk-secondary', weight: 0 },
  ];
});

/** A response created at the standby: the primary fails once, the call fails over. */
async function createdAtSecondary(): Promise<OpenAI.Responses.Response> {
  primary.enqueue(serverError());
  const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'Say hello to the gateway' });
  expect(unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, response.id)?.credentialId).toBe('cred-secondary');
  primary.reset();
  secondary.reset();
  return response;
}

describe('stored responses and several credentials', () => {
  it('binds each id to the credential that answered', async () => {
    const atPrimary = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    expect(unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, atPrimary.id)?.credentialId).toBe('cred-primary');
    const atSecondary = await createdAtSecondary();
    expect(unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, atSecondary.id)?.upstreamId).toMatch(/^resp_/);
  });

  it('sends every follow-up, streamed or not, to the credential that created the response, though the weights would not', async () => {
    const first = await createdAtSecondary();
    let previous = first.id;
    for (let turn = 0; turn < 4; turn++) {
      const stream = turn % 2 === 1;
      const next = stream
        ? await (async () => {
            let completed: OpenAI.Responses.Response | undefined;
            for await (const event of await client.responses.create({ model: 'gpt-4o-mini', input: `turn ${turn}`, previous_response_id: previous, stream: true })) {
              if (event.type === 'response.completed') completed = event.response;
            }
            return completed!;
          })()
        : await client.responses.create({ model: 'gpt-4o-mini', input: `turn ${turn}`, previous_response_id: previous });
      expect(next.previous_response_id).toBe(previous);
      expect(unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, next.id)?.credentialId).toBe('cred-secondary');
      previous = next.id;
    }
    expect(secondary.requests).toHaveLength(4);
    expect(primary.requests).toEqual([]);
    // A call without a stored response still goes by weight.
    await client.responses.create({ model: 'gpt-4o-mini', input: 'fresh' });
    expect(primary.requests).toHaveLength(1);
  });

  it('retrieves and deletes at the credential that stores the response', async () => {
    const first = await createdAtSecondary();
    expect(await client.responses.retrieve(first.id)).toEqual(first);
    await client.responses.delete(first.id);
    expect(secondary.requests.map((r) => r.method)).toEqual(['GET', 'DELETE']);
    expect(primary.requests).toEqual([]);
  });

  it('does not fail a pinned call over to another credential: the answer of its own stands', async () => {
    const first = await createdAtSecondary();
    secondary.enqueue(serverError('secondary broke'), serverError('secondary broke'), serverError('secondary broke'));
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: first.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(primary.requests).toEqual([]);
  });

  it('sends a follow-up that references an item to the credential that stores it; an item and a previous response of two credentials are not found', async () => {
    const first = await createdAtSecondary();
    const itemId = first.output[0]!.id!;
    expect(unbindItemId(TEST_ITEM_ID_KEY, key.accountId, itemId)?.credentialId).toBe('cred-secondary');
    const referencing = { model: 'gpt-4o-mini', input: [{ type: 'item_reference' as const, id: itemId }] };
    const next = await client.responses.create(referencing);
    expect(unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, next.id)?.credentialId).toBe('cred-secondary');
    const streamed = await client.responses.create({ ...referencing, stream: true });
    for await (const event of streamed) if (event.type === 'response.completed') expect(event.response.output[0]?.id).toMatch(/^msg_tb/);
    expect(secondary.requests).toHaveLength(2);
    expect(primary.requests).toEqual([]);

    const atPrimary = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    primary.reset();
    const error = await client.responses
      .create({ model: 'gpt-4o-mini', previous_response_id: atPrimary.id, input: [{ type: 'item_reference', id: itemId }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({ message: `Item with id '${itemId}' not found.`, type: 'invalid_request_error', param: 'input', code: null });
    expect(primary.requests).toEqual([]);
    expect(secondary.requests).toHaveLength(2);
  });

  it('answers not found once the credential is gone (deleted or disabled), without calling any upstream', async () => {
    const first = await createdAtSecondary();
    credentials = [credentials[0]!];
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: first.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(await client.responses.retrieve(first.id).catch((caught: unknown) => caught)).toBeInstanceOf(OpenAI.NotFoundError);
    expect(primary.requests).toEqual([]);
    expect(secondary.requests).toEqual([]);
  });
});
