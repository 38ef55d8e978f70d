// Drives POST /v1/messages with the official @anthropic-ai/sdk against the fake Anthropic upstream:
// what the client sees must be what Anthropic sent, and what is recorded must be what Anthropic
// reported, in TokenByte's convention.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { DEFAULT_REPLY_TEXT, jsonFragments, reply, startFakeAnthropic, type FakeAnthropic } from '../../../helpers/fake-anthropic.js';
import { INPUT_TOKENS, MESSAGES, MODEL, SYSTEM, anthropicClient, eventually, type SentHeaders } from './setup.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let fake: FakeAnthropic;
let dataPlane: TestDataPlane;
let key: TestKey;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ chunkDelayMs: 1 });
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key], anthropic: { baseUrl: fake.url, apiKey: fake.apiKey } });
  client = anthropicClient(dataPlane.url, key.key);
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  fake.setReply({});
  dataPlane.usageEvents.length = 0;
  dataPlane.logs.length = 0;
});

const params = { model: MODEL, max_tokens: 256, system: SYSTEM, messages: MESSAGES };

describe('POST /v1/messages, non-streaming', () => {
  it('returns the upstream Message and records its usage under the request id it returned', async () => {
    const { data, response } = await client.messages.create(params).withResponse();
    expect(data.content).toMatchObject([{ type: 'text', text: DEFAULT_REPLY_TEXT }]);
    expect(data.usage).toMatchObject({ input_tokens: INPUT_TOKENS, output_tokens: 5 });
    const requestId = response.headers.get('x-tokenbyte-request-id');
    expect(requestId).toMatch(UUID_V7);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId,
      provider: 'anthropic',
      model: MODEL,
      inputTokens: INPUT_TOKENS,
      cachedInputTokens: 0,
      outputTokens: 5,
      reasoningTokens: 0,
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
      accountId: key.accountId,
      apiKeyId: key.apiKeyId,
    });
  });

  it('counts cache reads and writes into inputTokens and cache reads as cachedInputTokens', async () => {
    fake.setReply({ usage: { input_tokens: 12, cache_read_input_tokens: 1000, cache_creation_input_tokens: 300 } });
    const message = await client.messages.create(params);
    expect(message.usage).toMatchObject({ input_tokens: 12, cache_read_input_tokens: 1000, cache_creation_input_tokens: 300 });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: 12 + 1000 + 300, cachedInputTokens: 1000, outputTokens: 5, usageEstimated: false });
  });

  it('records thinking as reasoning tokens within the output when Anthropic reports the breakdown', async () => {
    fake.setReply({ usage: { thinking_tokens: 40 } });
    await client.messages.create(params);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ outputTokens: 45, reasoningTokens: 40 });
  });
});

describe('POST /v1/messages, streaming', () => {
  it('streams through messages.stream() and records message_start input plus message_delta output', async () => {
    fake.setReply({ usage: { cache_read_input_tokens: 64, cache_creation_input_tokens: 16 } });
    const message = await client.messages.stream(params).finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: DEFAULT_REPLY_TEXT }]);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: INPUT_TOKENS + 64 + 16, cachedInputTokens: 64, outputTokens: 5, usageEstimated: false, status: 'SUCCESS' });
  });

  it('streams create({ stream: true }) event by event, exactly as Anthropic sent them', async () => {
    const stream = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    // The SDK skips pings; everything else arrives in Anthropic's order.
    expect(types).toEqual(['message_start', 'content_block_start', ...Array(5).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: 5, usageEstimated: false });
  });

  it('takes the input from message_start when message_delta reports only output (the older wire form)', async () => {
    fake.setReply({ legacyDeltaUsage: true, usage: { input_tokens: 21, cache_read_input_tokens: 9 } });
    await client.messages.stream(params).finalMessage();
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: 30, cachedInputTokens: 9, outputTokens: 5, usageEstimated: false });
  });

  it("lets message_delta's cumulative input replace message_start's when it grew (server tools)", async () => {
    fake.setReply({ usage: { input_tokens: 500 }, startUsage: { input_tokens: 20 } });
    const message = await client.messages.stream(params).finalMessage();
    expect(message.usage.input_tokens).toBe(500);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ inputTokens: 500, usageEstimated: false });
  });
});

describe('tool use', () => {
  it('round-trips a tool call: tool_use streamed out, tool_result sent back, usage for both calls', async () => {
    const input = { city: 'Zürich', units: 'metric' };
    fake.enqueue(reply({ text: 'Let me check.', toolCalls: [{ id: 'toolu_01abc', name: 'get_weather', input }] }), reply({ text: 'It is 21 degrees.' }));
    const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];

    const first = await client.messages.stream({ ...params, tools }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ id: 'toolu_01abc', name: 'get_weather', input });

    const second = await client.messages.create({
      ...params,
      tools,
      messages: [...MESSAGES, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01abc', content: '21C' }] }],
    });
    expect(second.content).toMatchObject([{ type: 'text', text: 'It is 21 degrees.' }]);
    // The tool result reached Anthropic untouched, and the tool definitions with it.
    expect(fake.requests[1]!.body).toMatchObject({ tools, messages: [{}, { role: 'assistant' }, { content: [{ type: 'tool_result', tool_use_id: 'toolu_01abc' }] }] });
    const [firstEvent, secondEvent] = await dataPlane.waitForUsage(2);
    expect(firstEvent!.outputTokens).toBe(3 + jsonFragments(input).filter(Boolean).length);
    expect(secondEvent!.outputTokens).toBe(4);
  });
});

describe('keys and headers', () => {
  it.each(['bearer', 'auth-token', 'x-api-key'] as const)('accepts the TokenByte key sent by the SDK as %s, and never forwards it', async (scheme) => {
    const sent: SentHeaders = [];
    const message = await anthropicClient(dataPlane.url, key.key, scheme, sent).messages.create(params);
    expect(message.content).toMatchObject([{ text: DEFAULT_REPLY_TEXT }]);
    // The SDK really used that header.
    expect(sent[0]!.get(scheme === 'x-api-key' ? 'x-api-key' : 'authorization')).toBe(scheme === 'x-api-key' ? key.key : `Bearer ${key.key}`);
    expect(sent[0]!.has(scheme === 'x-api-key' ? 'authorization' : 'x-api-key')).toBe(false);

    const upstream = fake.requests[0]!;
    expect(upstream.headers['x-api-key']).toBe(fake.apiKey);
    expect(upstream.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(upstream.headers) + upstream.rawBody).not.toContain(key.key);
  });

  it('forwards anthropic-version and anthropic-beta as sent, and nothing that describes the client', async () => {
    const sent: SentHeaders = [];
    const beta = 'prompt-caching-2024-07-31,token-efficient-tools-2025-02-19';
    await anthropicClient(dataPlane.url, key.key, 'bearer', sent).messages.create({ ...params, workspace_id: 'wrkspc_customer' }, { headers: { 'anthropic-beta': beta } });
    const upstream = fake.requests[0]!.headers;
    expect(upstream['anthropic-version']).toBe(sent[0]!.get('anthropic-version'));
    expect(upstream['anthropic-beta']).toBe(beta);
    expect(sent[0]!.get('anthropic-workspace-id')).toBe('wrkspc_customer');
    expect(Object.keys(upstream).filter((name) => name.startsWith('x-stainless') || name === 'anthropic-workspace-id')).toEqual([]);
  });

  it('keeps request-id, rate-limit and content-type headers and drops the upstream account and CDN headers', async () => {
    const response = await fetch(`${dataPlane.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('4000');
    expect(response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toMatch(/^\d+$/);
    expect(response.headers.get('content-type')).toBe('application/json');
    for (const dropped of ['anthropic-organization-id', 'cf-ray', 'via', 'x-robots-tag']) expect(response.headers.get(dropped)).toBeNull();
    expect(fake.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('answers Anthropic\'s count, logs the call and records no usage event (count_tokens is not billed)', async () => {
    const counted = await client.messages.countTokens({ model: MODEL, system: SYSTEM, messages: MESSAGES });
    expect(counted).toEqual({ input_tokens: INPUT_TOKENS });
    expect(fake.requests[0]).toMatchObject({ path: '/v1/messages/count_tokens', headers: { 'x-api-key': fake.apiKey } });
    // A billed call would be recorded by now: the log line is written in the same step.
    const line = await eventually(() => dataPlane.logs.find((entry) => entry['path'] === '/v1/messages/count_tokens'));
    expect(line).toMatchObject({ status: 200, outcome: 'SUCCESS', model: MODEL });
    expect(dataPlane.usageEvents).toEqual([]);
  });
});

describe('POST /v1/messages and the model catalogue', () => {
  it('sends the catalogue upstream name, and records the cost at the catalogue price', async () => {
    await client.messages.create({ ...params, model: 'claude-haiku-4-5' });
    expect((fake.requests.at(-1)!.body as { model: string }).model).toMatch(/^claude-haiku-4-5-\d{8}$/);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ model: 'claude-haiku-4-5', priceVersionId: expect.any(String) });
    expect(BigInt(String(event!.costPicoUsd))).toBeGreaterThan(0n);
  });

  it('refuses a model that is not in the catalogue with 404 not_found_error, and never forwards it', async () => {
    const error = await client.messages.create({ ...params, model: 'claude-unlisted-9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(fake.requests).toHaveLength(0);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 404, inputTokens: 0 });
  });
});
