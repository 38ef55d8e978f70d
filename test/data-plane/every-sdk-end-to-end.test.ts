// Every surface through the whole product, on the suite's database (PGlite, or PostgreSQL
// in CI's second run): a key made through GraphQL, each official SDK pointed at the real
// data-plane, and the usage each call left, read back through GraphQL with its cost.
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../helpers/api-keys.js';
import { reply, startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { signUpAndLogIn, type GraphQLClient } from '../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let gemini: FakeGemini;
let stack: TestStack;
let user: GraphQLClient;

beforeAll(async () => {
  [openai, anthropic, gemini] = await Promise.all([startFakeOpenAI({ chunkDelayMs: 1 }), startFakeAnthropic(), startFakeGemini()]);
  stack = await startTestStack({
    upstream: { baseUrl: openai.url, apiKey: openai.apiKey },
    env: { ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.apiKey, GEMINI_BASE_URL: gemini.url, GEMINI_API_KEY: gemini.apiKey },
  });
  user = stack.cp.client();
  await signUpAndLogIn(user);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([openai?.close(), anthropic?.close(), gemini?.close()]);
});

const EVENTS = `query($key: ID) { usageEvents(first: 10, filter: { apiKey: $key }) { nodes {
  provider model inputTokens cachedInputTokens cacheWriteTokens cacheWrite1hTokens outputTokens reasoningTokens usageEstimated status
  cost { amount currency } } } }`;

interface Recorded {
  provider: string;
  model: string;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  usageEstimated: boolean;
  status: string;
  cost: { amount: string; currency: string };
}

/** The one usage record a fresh key's call left, once the data-plane has written it. */
async function recorded(keyId: string): Promise<Recorded> {
  await stack.planes[0]!.usage.flush();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const nodes = (await user.data(EVENTS, { key: keyId })).usageEvents.nodes as Recorded[];
    if (nodes.length > 0) {
      expect(nodes).toHaveLength(1);
      return nodes[0]!;
    }
    if (Date.now() > deadline) throw new Error('no usage record');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const url = () => stack.planes[0]!.url;
const openaiSdk = (key: string) => new OpenAI({ apiKey: key, baseURL: `${url()}/v1`, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Say hello' }];

function expectCosted(event: Recorded, expected: Partial<Recorded>): void {
  expect(event).toMatchObject({ status: 'SUCCESS', usageEstimated: false, ...expected });
  expect(event.cost.currency).toBe('USD');
  expect(Number(event.cost.amount)).toBeGreaterThan(0);
}

describe('every official SDK through the real stack, usage and cost read back through GraphQL', () => {
  it('openai: chat completions, streamed', async () => {
    const key = await createKey(user);
    const stream = await openaiSdk(key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expectCosted(await recorded(key.id), { provider: 'openai', model: 'gpt-4o-mini', inputTokens: usage!.prompt_tokens, outputTokens: usage!.completion_tokens });
  });

  it('openai: embeddings', async () => {
    const key = await createKey(user);
    const answer = await openaiSdk(key.secret).embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(answer.data).toHaveLength(2);
    expectCosted(await recorded(key.id), { provider: 'openai', model: 'text-embedding-3-small', inputTokens: answer.usage.prompt_tokens, outputTokens: 0 });
  });

  it('openai: Responses, streamed', async () => {
    const key = await createKey(user);
    const stream = await openaiSdk(key.secret).responses.create({ model: 'gpt-4.1-mini', input: 'Say hello', stream: true });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expectCosted(await recorded(key.id), { provider: 'openai', model: 'gpt-4.1-mini', inputTokens: completed!.usage!.input_tokens, outputTokens: completed!.usage!.output_tokens });
  });

  it('@anthropic-ai/sdk: messages, streamed', async () => {
    const key = await createKey(user);
    const claude = new Anthropic({ apiKey: key.secret, baseURL: url(), maxRetries: 0 });
    const final = await claude.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages }).finalMessage();
    expectCosted(await recorded(key.id), { provider: 'anthropic', model: 'claude-haiku-4-5', inputTokens: final.usage.input_tokens, outputTokens: final.usage.output_tokens });
  });

  it('@anthropic-ai/sdk: five-minute and one-hour cache writes, each at the seeded price', async () => {
    const key = await createKey(user);
    anthropic.enqueue(
      reply({ usage: { input_tokens: 100, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 3_000, cache_creation_1h_input_tokens: 2_000, output_tokens: 10 } }),
    );
    const claude = new Anthropic({ apiKey: key.secret, baseURL: url(), maxRetries: 0 });
    const message = await claude.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'A long, stable preamble.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages,
    });
    expect(message.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 });
    // claude-haiku-4-5 as seeded, per million: input $1, cache read $0.10, five-minute write $1.25, one-hour write $2, output $5.
    // 100·1 + 1000·0.10 + 1000·1.25 + 2000·2 + 10·5 = 5,500 micro-dollars.
    expectCosted(await recorded(key.id), {
      inputTokens: 4_100,
      cachedInputTokens: 1_000,
      cacheWriteTokens: 3_000,
      cacheWrite1hTokens: 2_000,
      outputTokens: 10,
      cost: { amount: '0.005500000000', currency: 'USD' },
    });
  });

  it('@google/genai: generateContent, streamed', async () => {
    const key = await createKey(user);
    const genai = new GoogleGenAI({ apiKey: key.secret, httpOptions: { baseUrl: url() } });
    let usage: { promptTokenCount?: number; candidatesTokenCount?: number } | undefined;
    for await (const chunk of await genai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hello' })) usage = chunk.usageMetadata ?? usage;
    expectCosted(await recorded(key.id), { provider: 'gemini', model: 'gemini-2.5-flash', inputTokens: usage!.promptTokenCount!, outputTokens: usage!.candidatesTokenCount! });
  });

  it('openai SDK for Anthropic and Gemini models (translated)', async () => {
    for (const [model, provider] of [['claude-haiku-4-5', 'anthropic'], ['gemini-2.5-flash', 'gemini']] as const) {
      const key = await createKey(user);
      const answer = await openaiSdk(key.secret).chat.completions.create({ model, messages });
      expect(answer.choices[0]?.message.content).toBeTruthy();
      expectCosted(await recorded(key.id), { provider, model, inputTokens: answer.usage!.prompt_tokens, outputTokens: answer.usage!.completion_tokens });
    }
  });
});
