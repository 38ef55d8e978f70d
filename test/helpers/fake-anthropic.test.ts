// Proves the fake Anthropic upstream is faithful by driving it with the official @anthropic-ai/sdk:
// if the SDK parses and classifies its answers like the real API's, gateway tests built on it mean
// something.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_VERSION,
  DEFAULT_REPLY_TEXT,
  FAKE_ANTHROPIC_API_KEY,
  countInputTokens,
  cutStream,
  hang,
  jsonFragments,
  overloaded,
  rateLimited,
  reply,
  startFakeAnthropic,
  streamError,
  type FakeAnthropic,
} from './fake-anthropic.js';

const MODEL = 'claude-haiku-4-5';
const MESSAGES: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello to the gateway' }];
// system (3 words) + one message: 3 + 5 words, by the documented rule.
const INPUT_TOKENS = 3 + 3 + 5;

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ chunkDelayMs: 1 });
  // This SDK sends its key as `Authorization: Bearer`; the API's classic header is set by hand.
  client = new Anthropic({
    apiKey: FAKE_ANTHROPIC_API_KEY,
    baseURL: fake.url,
    maxRetries: 0,
    defaultHeaders: { 'X-Api-Key': FAKE_ANTHROPIC_API_KEY, Authorization: null },
  });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.setReply({});
});

function rawPost(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('fake Anthropic upstream, driven by @anthropic-ai/sdk', () => {
  it('answers a Message with the documented usage and the API headers', async () => {
    const { data, response } = await client.messages
      .create({ model: MODEL, max_tokens: 64, system: 'You are terse.', messages: MESSAGES })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: DEFAULT_REPLY_TEXT }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage).toMatchObject({ input_tokens: INPUT_TOKENS, output_tokens: 5, cache_read_input_tokens: 0 });
    expect(countInputTokens({ system: 'You are terse.', messages: MESSAGES })).toBe(INPUT_TOKENS);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toMatch(/^\d+$/);
    expect(fake.requests[0]!.headers['x-api-key']).toBe(FAKE_ANTHROPIC_API_KEY);
  });

  it('streams event-named SSE in the API order that the SDK assembles into the same Message', async () => {
    fake.setReply({ usage: { cache_read_input_tokens: 40, cache_creation_input_tokens: 7 } });
    const response = await rawPost('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: MESSAGES }, { 'x-api-key': fake.apiKey, 'anthropic-version': ANTHROPIC_VERSION });
    const text = await response.text();
    const names = [...text.matchAll(/^event: (\w+)\ndata: \{.*\}\n\n/gm)].map((match) => match[1]);
    expect(names).toEqual(['message_start', 'content_block_start', 'ping', ...Array(5).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text).toContain('data: {"type": "ping"}\n\n');
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');

    const message = await client.messages.stream({ model: MODEL, max_tokens: 64, messages: MESSAGES }).finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: DEFAULT_REPLY_TEXT }]);
    expect(message.usage).toMatchObject({ input_tokens: 3 + 5, output_tokens: 5, cache_read_input_tokens: 40, cache_creation_input_tokens: 7 });
  });

  it('streams tool_use with input_json_delta fragments the SDK parses back into the input', async () => {
    const input = { city: 'Zürich', units: 'metric' };
    fake.enqueue(reply({ text: 'Checking.', toolCalls: [{ id: 'toolu_fixed', name: 'get_weather', input }] }));
    const message = await client.messages.stream({ model: MODEL, max_tokens: 64, messages: MESSAGES }).finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_fixed', name: 'get_weather', input });
    // One token per word piece and per non-empty JSON fragment.
    expect(message.usage.output_tokens).toBe(1 + jsonFragments(input).filter(Boolean).length);
  });

  it('truncates at max_tokens with stop_reason max_tokens, and counts tokens', async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 2, messages: MESSAGES });
    expect(message).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'Hello from' }], usage: { output_tokens: 2 } });
    expect(await client.messages.countTokens({ model: MODEL, messages: MESSAGES })).toEqual({ input_tokens: 8 });
  });

  it('refuses a missing or wrong x-api-key and a missing anthropic-version as the API does', async () => {
    const body = { model: MODEL, max_tokens: 8, messages: MESSAGES };
    const missing = await rawPost('/v1/messages', body, { 'anthropic-version': ANTHROPIC_VERSION });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
    const bearer = await rawPost('/v1/messages', body, { authorization: `Bearer ${fake.apiKey}`, 'anthropic-version': ANTHROPIC_VERSION });
    expect(bearer.status).toBe(401);
    const wrong = new Anthropic({ apiKey: 'x', baseURL: fake.url, maxRetries: 0, defaultHeaders: { 'X-Api-Key': 'sk-ant-wrong', Authorization: null } });
    await expect(wrong.messages.create(body)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const unversioned = await rawPost('/v1/messages', body, { 'x-api-key': fake.apiKey });
    expect(unversioned.status).toBe(400);
    expect(await unversioned.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
  });

  it('scripts errors the SDK raises as its typed errors', async () => {
    fake.enqueue(rateLimited({ retryAfterSeconds: 9 }), overloaded());
    const limited = await client.messages.create({ model: MODEL, max_tokens: 8, messages: MESSAGES }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('9');
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).type).toBe('rate_limit_error');
    const busy = await client.messages.create({ model: MODEL, max_tokens: 8, messages: MESSAGES }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(Anthropic.InternalServerError);
    expect(busy).toMatchObject({ status: 529, type: 'overloaded_error' });
  });

  it('fails a stream midway with an error event, and cuts a stream before message_delta', async () => {
    fake.enqueue(streamError(2));
    const failed = await client.messages.stream({ model: MODEL, max_tokens: 64, messages: MESSAGES }).finalMessage().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Anthropic.APIError);
    expect(failed).toMatchObject({ type: 'overloaded_error' });

    fake.enqueue(cutStream(2));
    const response = await rawPost('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: MESSAGES }, { 'x-api-key': fake.apiKey, 'anthropic-version': ANTHROPIC_VERSION });
    const text = await response.text();
    expect(text.match(/event: content_block_delta/g)).toHaveLength(2);
    expect(text).not.toContain('message_delta');
  });

  it('records a client that leaves a hanging request as aborted', async () => {
    fake.enqueue(hang());
    const controller = new AbortController();
    const pending = client.messages.create({ model: MODEL, max_tokens: 8, messages: MESSAGES }, { signal: controller.signal });
    await fake.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    expect((await fake.settled(fake.requests[0]!)).aborted).toBe(true);
  });
});
