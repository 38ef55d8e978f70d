// Without an upstream the data-plane answers itself, clearly labelled, through the same
// pipeline; with one configured the simulator must never answer.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATED_REPLY } from '../../../../data-plane/providers/simulated/completion.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { DEFAULT_MODELS, startFakeOpenAI } from '../../../helpers/fake-openai.js';

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

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('simulated provider (no upstream configured)', () => {
  it('lists its simulated models, labelled by a header', async () => {
    const { data, response } = await client.models.list().withResponse();
    expect(response.headers.get('x-tokenbyte-simulated')).toBe('true');
    expect(data.data.map((model) => model.id)).toEqual(['simulated-gpt', 'simulated-gpt-mini']);
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

  it('refuses models it does not simulate as OpenAI would, with 404 model_not_found', async () => {
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'UPSTREAM_ERROR', httpStatus: 404, provider: 'simulated' });
  });
});

describe('simulated provider with an upstream configured', () => {
  for (const how of ['option', 'environment'] as const) {
    it(`is never used when the upstream comes from the ${how}`, async () => {
      const fake = await startFakeOpenAI();
      const own = createTestKey();
      const dp = await startTestDataPlane(
        how === 'option'
          ? { keys: [own], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } }
          : { keys: [own], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } },
      );
      try {
        const sdk = new OpenAI({ apiKey: own.key, baseURL: `${dp.url}/v1`, maxRetries: 0 });
        const { data, response } = await sdk.models.list().withResponse();
        expect(data.data.map((model) => model.id)).toEqual(DEFAULT_MODELS.map((model) => model.id));
        expect(response.headers.get('x-tokenbyte-simulated')).toBeNull();

        // Even a simulated model name goes to the real upstream.
        const completion = await sdk.chat.completions.create({ model: 'simulated-gpt', messages: MESSAGES });
        expect(completion.choices[0]?.message.content).not.toBe(SIMULATED_REPLY);
        expect(fake.requests.map((request) => request.path)).toEqual(['/v1/models', '/v1/chat/completions']);
        const [event] = await dp.waitForUsage(1);
        expect(event?.provider).toBe('openai');
      } finally {
        await dp.stop();
        await fake.close();
      }
    });
  }
});
