// Stored responses through the gateway, driven by the official openai SDK: every response id a
// client sees is bound to its account and to the credential that created it, so it can continue
// and manage its own responses (at the organisation that stores them), while another account's,
// a forged or a raw upstream id is "not found" exactly as OpenAI says it, and never goes upstream.
import OpenAI from 'openai';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bindResponseId, unbindResponseId } from '../../../../data-plane/providers/openai/response-ids.js';
import { UsageStatus, type UsageEvent } from '../../../../shared/usage-event.js';
import { TEST_RESPONSE_ID_KEY, createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const REQUEST = { model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'Say hello to the gateway' };

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let alice: TestKey;
let bob: TestKey;
let client: OpenAI;
let other: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  alice = createTestKey();
  bob = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [alice, bob], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { UPSTREAM_MAX_ATTEMPTS: '1' } });
  client = new OpenAI({ apiKey: alice.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
  other = new OpenAI({ apiKey: bob.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
});

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
  );
}

/** The upstream id behind a client-facing one, for `key`'s account. */
function upstreamIdOf(id: string, key: TestKey = alice): string {
  const ref = unbindResponseId(TEST_RESPONSE_ID_KEY, key.accountId, id);
  if (ref === null) throw new Error(`${id} is not bound to the account`);
  return ref.upstreamId;
}

/** The `previous_response_id` of every POST /v1/responses the fake received, in order. */
function previousIdsSentUpstream(): unknown[] {
  return fake.requests.filter((r) => r.path === '/v1/responses').map((r) => (r.body as Record<string, unknown>)['previous_response_id']);
}

function tokensOf(usage: Response['usage']): Pick<UsageEvent, 'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'reasoningTokens'> {
  return {
    inputTokens: usage!.input_tokens,
    cachedInputTokens: usage!.input_tokens_details.cached_tokens,
    outputTokens: usage!.output_tokens,
    reasoningTokens: usage!.output_tokens_details.reasoning_tokens,
  };
}

function notFound(id: string): unknown {
  return { message: `Previous response with id '${id}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' };
}

describe('response ids bound to the account', () => {
  it('a client continues its own conversation with previous_response_id: the upstream gets its own id, the client only bound ones', async () => {
    const first = await client.responses.create(REQUEST);
    expect(first.id.startsWith('resp_tb')).toBe(true);
    const upstreamFirst = upstreamIdOf(first.id);
    expect(fake.hasStoredResponse(upstreamFirst)).toBe(true);
    expect(JSON.stringify(first)).not.toContain(upstreamFirst);

    const next = await client.responses.create({ model: 'gpt-4o-mini', input: 'And again', previous_response_id: first.id });
    expect(previousIdsSentUpstream()).toEqual([undefined, upstreamFirst]);
    expect(next.previous_response_id).toBe(first.id);
    expect(fake.hasStoredResponse(upstreamIdOf(next.id))).toBe(true);
    // The context of the first response is billed again as input, exactly as OpenAI reported it.
    const events = await dataPlane.waitForUsage(2);
    expect(events[1]).toMatchObject({ status: UsageStatus.SUCCESS, accountId: alice.accountId, usageEstimated: false, ...tokensOf(next.usage) });
    expect(next.usage!.input_tokens).toBeGreaterThan(first.usage!.input_tokens);
  });

  it('streams with bound ids in every event the SDK yields, continues a streamed response, and records usage exactly', async () => {
    const first = await collect(await client.responses.create({ ...REQUEST, stream: true }));
    const created = first[0];
    if (created?.type !== 'response.created') throw new Error('the stream did not start with response.created');
    const id = created.response.id;
    const upstreamId = upstreamIdOf(id);
    for (const event of first) {
      expect(JSON.stringify(event)).not.toContain(upstreamId);
      if ('response' in event) expect(event.response.id).toBe(id);
    }
    expect(first.filter((event) => 'response' in event).map((event) => event.type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);

    const next = await collect(await client.responses.create({ model: 'gpt-4o-mini', input: 'And again', previous_response_id: id, stream: true }));
    expect(previousIdsSentUpstream()).toEqual([undefined, upstreamId]);
    const completed = next.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('the follow-up did not complete');
    expect(completed.response.previous_response_id).toBe(id);
    for (const event of next) expect(JSON.stringify(event)).not.toMatch(/resp_[0-9a-f]{50}/);

    const events = await dataPlane.waitForUsage(2);
    const firstCompleted = first.at(-1);
    if (firstCompleted?.type !== 'response.completed') throw new Error('the first stream did not complete');
    expect(events[0]).toMatchObject({ status: UsageStatus.SUCCESS, usageEstimated: false, ...tokensOf(firstCompleted.response.usage) });
    expect(events[1]).toMatchObject({ status: UsageStatus.SUCCESS, usageEstimated: false, ...tokensOf(completed.response.usage) });
  });

  it("another account using the id gets OpenAI's 404 previous_response_not_found, recorded REJECTED, and nothing goes upstream", async () => {
    const first = await client.responses.create(REQUEST);
    fake.reset();
    for (const stream of [false, true]) {
      const error = await rejection(other.responses.create({ model: 'gpt-4o-mini', input: 'What did they say?', previous_response_id: first.id, stream }));
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.error).toEqual(notFound(first.id));
    }
    expect(fake.requests).toEqual([]);
    const events = await dataPlane.waitForUsage(3);
    expect(events.slice(1).map((e) => [e.status, e.httpStatus, e.accountId, e.model, e.costPicoUsd])).toEqual([
      [UsageStatus.REJECTED, 404, bob.accountId, 'gpt-4o-mini', '0'],
      [UsageStatus.REJECTED, 404, bob.accountId, 'gpt-4o-mini', '0'],
    ]);
  });

  it('a tampered id, a raw upstream id or an id of a credential that is gone are not found either', async () => {
    const first = await client.responses.create(REQUEST);
    fake.reset();
    const tampered = first.id.slice(0, -2) + (first.id.endsWith('AA') ? 'BB' : 'AA');
    const gone = bindResponseId(TEST_RESPONSE_ID_KEY, alice.accountId, { upstreamId: upstreamIdOf(first.id), credentialId: 'cred-deleted' });
    for (const id of [tampered, upstreamIdOf(first.id), gone, 'resp_123']) {
      const error = await rejection(client.responses.create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: id }));
      expect(error.status).toBe(404);
      expect(error.error).toEqual(notFound(id));
    }
    expect(fake.requests).toEqual([]);
  });

  it('checks a prompt-cache comparison_response_id the same way', async () => {
    const first = await client.responses.create(REQUEST);
    const compared = { model: 'gpt-4o-mini', input: 'hi', prompt_cache_options: { comparison_response_id: first.id, mode: 'implicit' as const } };
    await client.responses.create(compared);
    expect(fake.requests[1]?.body).toMatchObject({ prompt_cache_options: { comparison_response_id: upstreamIdOf(first.id), mode: 'implicit' } });
    fake.reset();
    const error = await rejection(other.responses.create(compared));
    expect(error.status).toBe(404);
    expect(error.error).toEqual({ message: `Response with id '${first.id}' not found.`, type: 'invalid_request_error', param: 'prompt_cache_options.comparison_response_id', code: null });
    expect(fake.requests).toEqual([]);
  });

  it("a bound id whose response the upstream no longer has gets OpenAI's own 404, naming the id the client sent", async () => {
    const first = await client.responses.create(REQUEST);
    await client.responses.delete(first.id);
    const error = await rejection(client.responses.create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: first.id }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.error).toEqual(notFound(first.id));
    expect(previousIdsSentUpstream()).toEqual([undefined, upstreamIdOf(first.id)]);
  });
});

describe('stored responses: GET, DELETE, cancel, input_items', () => {
  it('retrieves, replays, lists, refuses to cancel and deletes its own response, ids bound throughout, recording no usage', async () => {
    const first = await client.responses.create(REQUEST);
    const next = await client.responses.create({ model: 'gpt-4o-mini', input: 'And again', previous_response_id: first.id });
    dataPlane.usageEvents.length = 0;
    const logged = dataPlane.logs.length;

    expect(await client.responses.retrieve(next.id)).toEqual(next);
    const replay = await collect(await client.responses.retrieve(next.id, { stream: true, starting_after: 0 }));
    expect(replay[0]?.type).toBe('response.in_progress');
    for (const event of replay) if ('response' in event) expect(event.response).toMatchObject({ id: next.id, previous_response_id: first.id });
    const items = await client.responses.inputItems.list(next.id);
    expect(items.data).toEqual([expect.objectContaining({ type: 'message', role: 'user' })]);
    const cancel = await rejection(client.responses.cancel(next.id));
    expect(cancel).toBeInstanceOf(OpenAI.BadRequestError);
    expect(cancel.error).toMatchObject({ message: 'Cannot cancel a synchronous response.' });

    await client.responses.delete(next.id);
    expect(fake.hasStoredResponse(upstreamIdOf(next.id))).toBe(false);
    const deleted = await rejection(client.responses.retrieve(next.id));
    expect(deleted).toBeInstanceOf(OpenAI.NotFoundError);
    // OpenAI's own 404, with the id the client knows.
    expect(deleted.error).toEqual({ message: `Response with id '${next.id}' not found.`, type: 'invalid_request_error', param: null, code: null });

    expect(fake.requests.filter((r) => r.path.startsWith('/v1/responses/')).every((r) => r.path.includes(upstreamIdOf(next.id)))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dataPlane.usageEvents).toEqual([]);
    // One log line per call, as for every request.
    expect(dataPlane.logs.slice(logged).filter((line) => line.msg === 'request completed' && String(line.path).startsWith('/v1/responses/'))).toHaveLength(6);
  });

  it("another account's id, a tampered one or a raw upstream id are not found, and nothing goes upstream", async () => {
    const first = await client.responses.create(REQUEST);
    fake.reset();
    const calls = (sdk: OpenAI, id: string): Array<() => Promise<unknown>> => [
      () => sdk.responses.retrieve(id),
      () => sdk.responses.delete(id),
      () => sdk.responses.cancel(id),
      () => sdk.responses.inputItems.list(id),
    ];
    const tampered = `${first.id.slice(0, 10)}${first.id[10] === 'x' ? 'y' : 'x'}${first.id.slice(11)}`;
    for (const [sdk, id] of [[other, first.id], [client, tampered], [client, upstreamIdOf(first.id)]] as const) {
      for (const call of calls(sdk, id)) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect(error.error).toEqual({ message: `Response with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null });
      }
    }
    expect(fake.requests).toEqual([]);
    expect(fake.hasStoredResponse(upstreamIdOf(first.id))).toBe(true);
    expect(await client.responses.retrieve(first.id)).toEqual(first);
  });

  it('answers 401 without a key', async () => {
    const response = await fetch(`${dataPlane.url}/v1/responses/resp_123`);
    expect(response.status).toBe(401);
  });
});
