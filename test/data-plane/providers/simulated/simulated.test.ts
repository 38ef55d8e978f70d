// The catalogue's `simulated` models are answered by the built-in simulator, clearly
// labelled, through the same pipeline as real ones (upstream, usage, cost); a real model
// is never answered by it, whether or not its upstream is configured.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staticPriceVersionId } from '../../../../data-plane/catalogue/static.js';
import { SIMULATED_REPLY } from '../../../../data-plane/providers/simulated/completion.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { startFakeOpenAI } from '../../../helpers/fake-openai.js';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' }, // 14 characters: 3 + 4 tokens
  { role: 'user', content: 'Say hello to the gateway' }, // 24 characters: 3 + 6 tokens
];
const PROMPT_TOKENS = 3 + 4 + 3 + 6;
const REPLY_TOKENS = SIMULATED_REPLY.split(' ').length;

let dataPlane: TestDataPlane;
let key: TestKey;
let client: OpenAI;

beforeAll(async () => {
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key] });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(() => dataPlane?.stop());

beforeEach(() => {
  dataPlane.usageEvents.length = 0;
});

async function rawPost(body: unknown): Promise<{ response: Response; data: unknown }> {
  const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { response, data: await response.json() };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('simulated provider (no upstream configured)', () => {
  it('lists the simulated models of the catalogue, owned by `simulated`', async () => {
    const { data } = await client.models.list().withResponse();
    expect(data.data.filter((model) => model.owned_by === 'simulated').map((model) => model.id)).toEqual(['simulated-gpt', 'simulated-gpt-mini']);
  });

  it('answers a completion that says it is simulated, with deterministic usage recorded', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'simulated-gpt', messages: MESSAGES }).withResponse();
    expect(response.headers.get('x-tokenbyte-simulated')).toBe('true');
    expect(data.choices[0]?.message.content).toBe(SIMULATED_REPLY);
    expect(data.choices[0]?.message.content).toContain('simulated');
    expect(data.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_TOKENS, total_tokens: PROMPT_TOKENS + REPLY_TOKENS });

    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({
      requestId: response.headers.get('x-tokenbyte-request-id'),
      provider: 'simulated',
      model: 'simulated-gpt',
      inputTokens: PROMPT_TOKENS,
      outputTokens: REPLY_TOKENS,
      usageEstimated: false,
      status: 'SUCCESS',
      // Simulated calls are free, but costed like any other: at a price version of their own.
      priceVersionId: staticPriceVersionId('simulated-gpt'),
      costPicoUsd: '0',
    });
  });

  it('streams like OpenAI: no usage unless asked, and the usage chunk when asked', async () => {
    const plain = await collect(await client.chat.completions.create({ model: 'simulated-gpt-mini', messages: MESSAGES, stream: true }));
    expect(plain.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(SIMULATED_REPLY);
    for (const chunk of plain) expect(chunk).not.toHaveProperty('usage');

    const counted = await collect(
      await client.chat.completions.create({ model: 'simulated-gpt-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
    );
    expect(counted.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_TOKENS } });

    const events = await dataPlane.waitForUsage(2);
    for (const event of events) expect(event).toMatchObject({ provider: 'simulated', inputTokens: PROMPT_TOKENS, outputTokens: REPLY_TOKENS, usageEstimated: false });
  });

  it('stops at max_completion_tokens with finish_reason "length"', async () => {
    const completion = await client.chat.completions.create({ model: 'simulated-gpt', messages: MESSAGES, max_completion_tokens: 3 });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'This is a' } });
  });

  it('never stands in for a real model: an OpenAI model without an OpenAI upstream answers 503 provider_not_configured', async () => {
    const { response, data } = await rawPost({ model: 'gpt-4o', messages: MESSAGES });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-tokenbyte-simulated')).toBeNull();
    // The SDKs would retry a 503; this one cannot pass by itself.
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(data).toEqual({
      error: {
        message: "The model 'gpt-4o' is served by openai, which is not configured on this gateway.",
        type: 'server_error',
        param: null,
        code: 'provider_not_configured',
      },
    });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 503, provider: 'openai', model: 'gpt-4o', inputTokens: 0, costPicoUsd: '0' });
  });
});

describe('simulated provider with an upstream configured', () => {
  for (const how of ['option', 'environment'] as const) {
    it(`still answers the simulated models, and only those, when the upstream comes from the ${how}`, async () => {
      const fake = await startFakeOpenAI();
      const own = createTestKey();
      const dp = await startTestDataPlane(
        how === 'option'
          ? { keys: [own], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } }
          : { keys: [own], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } },
      );
      try {
        const sdk = new OpenAI({ apiKey: own.key, baseURL: `${dp.url}/v1`, maxRetries: 0 });
        const simulated = await sdk.chat.completions.create({ model: 'simulated-gpt', messages: MESSAGES }).withResponse();
        expect(simulated.data.choices[0]?.message.content).toBe(SIMULATED_REPLY);
        expect(simulated.response.headers.get('x-tokenbyte-simulated')).toBe('true');

        const real = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }).withResponse();
        expect(real.data.choices[0]?.message.content).not.toBe(SIMULATED_REPLY);
        expect(real.response.headers.get('x-tokenbyte-simulated')).toBeNull();
        expect(fake.requests.map((request) => [request.path, (request.body as { model: string }).model])).toEqual([['/v1/chat/completions', 'gpt-4o-mini']]);
        const events = await dp.waitForUsage(2);
        expect(events.map((event) => [event.model, event.provider])).toEqual([
          ['simulated-gpt', 'simulated'],
          ['gpt-4o-mini', 'openai'],
        ]);
      } finally {
        await dp.stop();
        await fake.close();
      }
    });
  }
});
