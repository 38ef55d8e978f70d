// Stored output items through the gateway, driven by the official openai SDK: OpenAI keeps every
// item (`msg_…`, `rs_…` …) under our organisation and resolves an `item_reference`, or an item
// sent back by id, from that store. So every item id a client sees is bound to its account and
// to the credential that created it, like response ids: a client can send its own items back,
// while another account's, a forged, a raw upstream id or a response id is "not found" exactly
// as OpenAI says it, and never goes upstream.
import OpenAI from 'openai';
import type { Response, ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bindItemId, unbindItemId, unbindResponseId } from '../../../../data-plane/providers/openai/response-ids.js';
import { UsageStatus, type UsageEvent } from '../../../../shared/usage-event.js';
import { TEST_ITEM_ID_KEY, TEST_RESPONSE_ID_KEY, createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

const REQUEST = { model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'Say hello to the gateway' };
/** Any raw OpenAI id: a response's or an item's, 50 hex digits after its prefix. */
const RAW_ID = /\b[a-z]+_[0-9a-f]{50}\b/;

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let alice: TestKey;
let bob: TestKey;
let client: OpenAI;
let other: OpenAI;
/** Every answer body alice's client received, as text, in order. */
let received: Array<Promise<string>> = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  alice = createTestKey();
  bob = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [alice, bob], upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { UPSTREAM_MAX_ATTEMPTS: '1' } });
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    received.push(response.clone().text());
    return response;
  };
  client = new OpenAI({ apiKey: alice.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0, fetch: recording });
  other = new OpenAI({ apiKey: bob.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
  received = [];
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

/** The upstream item id behind a client-facing one, for `key`'s account. */
function upstreamItemOf(id: string, key: TestKey = alice): string {
  const ref = unbindItemId(TEST_ITEM_ID_KEY, key.accountId, id);
  if (ref === null) throw new Error(`${id} is not an item id bound to the account`);
  return ref.upstreamId;
}

/** The `input` of every POST /v1/responses the fake received, in order. */
function inputsSentUpstream(): unknown[] {
  return fake.requests.filter((r) => r.path === '/v1/responses').map((r) => (r.body as Record<string, unknown>)['input']);
}

function tokensOf(usage: Response['usage']): Pick<UsageEvent, 'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'reasoningTokens'> {
  return {
    inputTokens: usage!.input_tokens,
    cachedInputTokens: usage!.input_tokens_details.cached_tokens,
    outputTokens: usage!.output_tokens,
    reasoningTokens: usage!.output_tokens_details.reasoning_tokens,
  };
}

function itemNotFound(id: string, param = 'input'): unknown {
  return { message: `Item with id '${id}' not found.`, type: 'invalid_request_error', param, code: null };
}

/** A response with a reasoning item and a message, as a reasoning model answers. */
async function reasoned(): Promise<{ response: Response; reasoning: OpenAI.Responses.ResponseReasoningItem; message: OpenAI.Responses.ResponseOutputMessage }> {
  fake.enqueue(reply({ reasoning: { summary: ['Weighing', ' it'] }, usage: { reasoning_tokens: 3 } }));
  const response = await client.responses.create(REQUEST);
  const [reasoning, message] = response.output;
  if (reasoning?.type !== 'reasoning' || message?.type !== 'message') throw new Error('unexpected output');
  return { response, reasoning, message };
}

describe('output item ids bound to the account', () => {
  it('shows only bound item ids, keeping their type prefix, and resolves its own items sent back: the upstream gets its own ids', async () => {
    const { response, reasoning, message } = await reasoned();
    expect(reasoning.id).toMatch(/^rs_tb/);
    expect(message.id).toMatch(/^msg_tb/);
    expect(fake.hasStoredItem(upstreamItemOf(reasoning.id))).toBe(true);
    expect(fake.hasStoredItem(upstreamItemOf(message.id))).toBe(true);
    expect(JSON.stringify(response)).not.toMatch(RAW_ID);

    const plain: ResponseInputItem = { role: 'user', content: 'And again' };
    const next = await client.responses.create({ model: 'gpt-4o-mini', input: [reasoning, { type: 'item_reference', id: message.id }, plain] });
    expect(inputsSentUpstream()[1]).toEqual([{ ...reasoning, id: upstreamItemOf(reasoning.id) }, { type: 'item_reference', id: upstreamItemOf(message.id) }, plain]);
    expect(next.output[0]?.id).toMatch(/^msg_tb/);
    const events = await dataPlane.waitForUsage(2);
    expect(events[1]).toMatchObject({ status: UsageStatus.SUCCESS, accountId: alice.accountId, usageEstimated: false, ...tokensOf(next.usage) });
    for (const body of await Promise.all(received)) expect(body).not.toMatch(RAW_ID);
  });

  it("refuses another account's item id, a tampered one, a raw upstream one and a response id with OpenAI's 404, recorded REJECTED; nothing goes upstream", async () => {
    const { response, message } = await reasoned();
    const raw = upstreamItemOf(message.id);
    const tampered = message.id.slice(0, -2) + (message.id.endsWith('AA') ? 'BB' : 'AA');
    const bobs = bindItemId(TEST_ITEM_ID_KEY, bob.accountId, unbindItemId(TEST_ITEM_ID_KEY, alice.accountId, message.id)!);
    fake.reset();
    dataPlane.usageEvents.length = 0;
    const attempts: Array<[OpenAI, string, TestKey]> = [
      [other, message.id, bob],
      [client, tampered, alice],
      [client, raw, alice],
      [client, response.id, alice],
      [client, bobs, alice],
      [client, 'msg_123', alice],
    ];
    for (const [sdk, id] of attempts) {
      for (const stream of [false, true]) {
        const error = await rejection(sdk.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id }], stream }));
        expect(error, id).toBeInstanceOf(OpenAI.NotFoundError);
        expect(error.error).toEqual(itemNotFound(id));
      }
    }
    // An item sent back by value with a foreign id, an MCP approval of someone else's request: the same.
    const byValue = await rejection(other.responses.create({ model: 'gpt-4o-mini', input: [{ ...message, content: [{ type: 'output_text', text: 'hi', annotations: [] }] }] }));
    expect(byValue.error).toEqual(itemNotFound(message.id));
    const approval = await rejection(other.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'mcp_approval_response', approval_request_id: `mcpr_${'0'.repeat(50)}`, approve: true }] }));
    expect(approval.error).toEqual(itemNotFound(`mcpr_${'0'.repeat(50)}`));
    // With `store: false`, OpenAI says why an item may be missing.
    const unstored = await rejection(other.responses.create({ model: 'gpt-4o-mini', store: false, input: [{ type: 'item_reference', id: message.id }] }));
    expect((unstored.error as { message: string }).message).toBe(
      `Item with id '${message.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
    );

    expect(fake.requests).toEqual([]);
    const events = await dataPlane.waitForUsage(attempts.length * 2 + 3);
    expect(events.map((e) => [e.status, e.httpStatus, e.costPicoUsd])).toEqual(events.map(() => [UsageStatus.REJECTED, 404, '0']));
    expect(events.slice(0, 2).map((e) => e.accountId)).toEqual([bob.accountId, bob.accountId]);
    expect(events.slice(2, attempts.length * 2).every((e) => e.accountId === alice.accountId)).toBe(true);
  });

  it('streams with bound ids on every event the SDK yields, item_id on every delta, no raw id in any byte, and usage exact', async () => {
    fake.enqueue(reply({ reasoning: { summary: ['Weighing', ' it'] }, usage: { reasoning_tokens: 3 } }));
    const events = await collect(await client.responses.create({ ...REQUEST, stream: true }));
    const added = events.flatMap((event) => (event.type === 'response.output_item.added' ? [event.item] : []));
    expect(added.map((item) => [item.type, item.id?.slice(0, item.id.indexOf('_tb') + 3)])).toEqual([
      ['reasoning', 'rs_tb'],
      ['message', 'msg_tb'],
    ]);
    const itemIds = new Set(added.map((item) => item.id));
    const deltas = events.filter((event) => 'item_id' in event);
    expect(deltas.map((event) => event.type)).toContain('response.reasoning_summary_text.delta');
    expect(deltas.map((event) => event.type)).toContain('response.output_text.delta');
    for (const event of deltas) expect(itemIds.has((event as { item_id: string }).item_id)).toBe(true);
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('the stream did not complete');
    expect(completed.response.output.map((item) => item.id)).toEqual([...itemIds]);
    for (const event of events) expect(JSON.stringify(event)).not.toMatch(RAW_ID);
    for (const body of await Promise.all(received)) expect(body).not.toMatch(RAW_ID);

    // The streamed items continue a streamed follow-up.
    const [reasoning, message] = completed.response.output;
    const next = await collect(await client.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: reasoning!.id! }, { type: 'item_reference', id: message!.id! }], stream: true }));
    expect(inputsSentUpstream()[1]).toEqual([{ type: 'item_reference', id: upstreamItemOf(reasoning!.id!) }, { type: 'item_reference', id: upstreamItemOf(message!.id!) }]);
    const nextCompleted = next.at(-1);
    if (nextCompleted?.type !== 'response.completed') throw new Error('the follow-up did not complete');

    const usage = await dataPlane.waitForUsage(2);
    expect(usage[0]).toMatchObject({ status: UsageStatus.SUCCESS, usageEstimated: false, ...tokensOf(completed.response.usage) });
    expect(usage[1]).toMatchObject({ status: UsageStatus.SUCCESS, usageEstimated: false, ...tokensOf(nextCompleted.response.usage) });
    for (const body of await Promise.all(received)) expect(body).not.toMatch(RAW_ID);
  });

  it('binds the items of a replayed stream that starts after they were added', async () => {
    const { response, reasoning, message } = await reasoned();
    const replay = await collect(await client.responses.retrieve(response.id, { stream: true, starting_after: 4 }));
    expect(replay[0]?.type).toBe('response.reasoning_summary_text.delta');
    expect(replay.filter((event) => 'item_id' in event).map((event) => (event as { item_id: string }).item_id)).toEqual(
      expect.arrayContaining([reasoning.id, message.id]),
    );
    for (const body of await Promise.all(received)) expect(body).not.toMatch(RAW_ID);
  });
});

describe('input_items', () => {
  it('lists bound item ids, pages by them, and they can be referenced; a raw or foreign `after` is not found', async () => {
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] });
    const ids: string[] = [];
    for await (const item of client.responses.inputItems.list(first.id, { limit: 1, order: 'asc' })) ids.push(item.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^msg_tb/);
    const pages = fake.requests.filter((r) => r.path.endsWith('/input_items'));
    expect(pages.map((r) => r.query['after'])).toEqual([undefined, upstreamItemOf(ids[0]!)]);
    for (const body of await Promise.all(received)) expect(body).not.toMatch(RAW_ID);

    const next = await client.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: ids[1]! }] });
    expect(unbindResponseId(TEST_RESPONSE_ID_KEY, alice.accountId, next.id)).not.toBeNull();

    fake.reset();
    for (const after of [upstreamItemOf(ids[0]!), bindItemId(TEST_ITEM_ID_KEY, bob.accountId, unbindItemId(TEST_ITEM_ID_KEY, alice.accountId, ids[0]!)!)]) {
      const error = await rejection(client.responses.inputItems.list(first.id, { after }));
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.error).toEqual(itemNotFound(after, 'after'));
    }
    expect(fake.requests).toEqual([]);
  });
});
