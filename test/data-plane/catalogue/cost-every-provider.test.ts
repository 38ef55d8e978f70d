// Every usage event is costed exactly, whichever provider served it and whichever API the
// client spoke: the tokens are the provider's own wire report mapped by that provider's
// documented semantics, the cost is shared/pricing.ts's formula at the catalogue price
// pinned on arrival. Expected values are derived here from what each fake was scripted to
// report (its exported builders state the exact wire numbers) and the formula is written
// out by hand with BigInt, so nothing leans on the gateway's own mapping or costOf.
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { seedModel, testCatalogue } from '../../helpers/catalogue.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../helpers/data-plane.js';
import * as fakeAnthropic from '../../helpers/fake-anthropic.js';
import * as fakeGemini from '../../helpers/fake-gemini.js';
import * as fakeOpenAI from '../../helpers/fake-openai.js';

type Tokens = Pick<UsageEvent, 'inputTokens' | 'cachedInputTokens' | 'cacheWriteTokens' | 'cacheWrite1hTokens' | 'outputTokens' | 'reasoningTokens'>;

const CLAUDE = 'claude-haiku-4-5';
const FLASH = 'gemini-2.5-flash';
const EMBEDDING = 'gemini-embedding-001';
const GPT = 'gpt-4o-mini';
// Every price kind different (the seed prices reasoning as output and Gemini's cache writes as
// input), so a token counted in the wrong bucket changes the cost.
const PRICES = { input: 1_000_003, cachedInput: 100_019, cacheWrite: 1_250_029, cacheWrite1h: 2_000_081, output: 5_000_011, reasoning: 7_000_057 };
const catalogue = testCatalogue({ extra: [CLAUDE, FLASH, EMBEDDING, GPT].map((name) => ({ ...seedModel(name), prices: PRICES })) });

// What each fake is scripted to report, and the wire usage that makes it send (its documented rules).
const CLAUDE_SCRIPT = { input_tokens: 1_203, cache_read_input_tokens: 48_611, cache_creation_input_tokens: 2_917, cache_creation_1h_input_tokens: 1_009, output_tokens: 127, thinking_tokens: 250 };
const CLAUDE_WIRE = fakeAnthropic.buildUsage(0, 0, CLAUDE_SCRIPT);
const GEMINI_SCRIPT = { promptTokenCount: 9_871, cachedContentTokenCount: 6_144, candidatesTokenCount: 213, thoughtsTokenCount: 1_337, toolUsePromptTokenCount: 58 };
const GEMINI_WIRE = fakeGemini.buildUsageMetadata(0, 0, GEMINI_SCRIPT);
const GPT_SCRIPT = { prompt_tokens: 7_777, cached_tokens: 5_120, completion_tokens: 91, reasoning_tokens: 448 };
const GPT_WIRE = fakeOpenAI.buildUsage(0, 0, GPT_SCRIPT);

/**
 * Anthropic: input_tokens is the uncached rest, cache reads and writes are reported beside it
 * (the writes split by the cache's lifetime in cache_creation); output_tokens includes thinking.
 */
function fromAnthropic(u: fakeAnthropic.AnthropicUsage): Tokens {
  const input = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  const thinking = u.output_tokens_details?.thinking_tokens ?? 0;
  return {
    inputTokens: input,
    cachedInputTokens: u.cache_read_input_tokens,
    cacheWriteTokens: u.cache_creation_input_tokens,
    cacheWrite1hTokens: u.cache_creation.ephemeral_1h_input_tokens,
    outputTokens: u.output_tokens,
    reasoningTokens: thinking,
  };
}

/**
 * Gemini: promptTokenCount includes the cached content; tool-use prompt tokens (tool results fed
 * back to the model) and thoughts are counted apart, on top (totalTokenCount adds all four).
 */
function fromGemini(u: fakeGemini.GeminiUsageMetadata): Tokens {
  const thoughts = u.thoughtsTokenCount ?? 0;
  const input = u.promptTokenCount + (u.toolUsePromptTokenCount ?? 0);
  return { inputTokens: input, cachedInputTokens: u.cachedContentTokenCount ?? 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: (u.candidatesTokenCount ?? 0) + thoughts, reasoningTokens: thoughts };
}

/** OpenAI: cached tokens are part of prompt_tokens, reasoning tokens part of completion_tokens. */
function fromOpenAI(u: fakeOpenAI.OpenAIUsage): Tokens {
  const cached = u.prompt_tokens_details.cached_tokens;
  return { inputTokens: u.prompt_tokens, cachedInputTokens: cached, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: u.completion_tokens, reasoningTokens: u.completion_tokens_details.reasoning_tokens };
}

/** The catalogue's price for `model` applied by hand: each part at its own price, the rest of each whole at the base one. */
function expectedCost(model: string, t: Tokens): Pick<UsageEvent, 'costPicoUsd' | 'priceVersionId'> {
  const quote = catalogue.resolve(model)!.priceAt(Date.now())!;
  const p = quote.prices;
  const cost =
    BigInt(t.inputTokens - t.cachedInputTokens - t.cacheWriteTokens) * BigInt(p.input) +
    BigInt(t.cachedInputTokens) * BigInt(p.cachedInput) +
    BigInt(t.cacheWriteTokens - t.cacheWrite1hTokens) * BigInt(p.cacheWrite) +
    BigInt(t.cacheWrite1hTokens) * BigInt(p.cacheWrite1h) +
    BigInt(t.outputTokens - t.reasoningTokens) * BigInt(p.output) +
    BigInt(t.reasoningTokens) * BigInt(p.reasoning);
  return { costPicoUsd: cost.toString(), priceVersionId: quote.priceVersionId };
}

let key: TestKey;
let dataPlane: TestDataPlane;
let anthropicUp: fakeAnthropic.FakeAnthropic;
let geminiUp: fakeGemini.FakeGemini;
let openaiUp: fakeOpenAI.FakeOpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;
let openai: OpenAI;

beforeAll(async () => {
  [anthropicUp, geminiUp, openaiUp] = await Promise.all([
    fakeAnthropic.startFakeAnthropic({ chunkDelayMs: 1 }),
    fakeGemini.startFakeGemini({ chunkDelayMs: 1 }),
    fakeOpenAI.startFakeOpenAI({ chunkDelayMs: 1 }),
  ]);
  key = createTestKey();
  dataPlane = await startTestDataPlane({
    keys: [key],
    catalogue,
    upstream: { baseUrl: openaiUp.url, apiKey: openaiUp.apiKey },
    anthropic: { baseUrl: anthropicUp.url, apiKey: anthropicUp.apiKey },
    gemini: { baseUrl: geminiUp.url, apiKey: geminiUp.apiKey },
    // One attempt: an upstream error is final at once, not retried into the next queued reply.
    env: { UPSTREAM_MAX_ATTEMPTS: '1' },
  });
  anthropic = new Anthropic({ apiKey: key.key, baseURL: dataPlane.url, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: key.key, httpOptions: { baseUrl: dataPlane.url, apiVersion: 'v1beta', retryOptions: { attempts: 1 } } });
  openai = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await Promise.all([anthropicUp?.close(), geminiUp?.close(), openaiUp?.close()]);
});

beforeEach(() => {
  for (const fake of [anthropicUp, geminiUp, openaiUp]) fake.reset();
  dataPlane.usageEvents.length = 0;
});

/** The call's one usage event, asserted to carry exactly `tokens` and their cost at the catalogue's price. */
async function expectCosted(model: string, tokens: Tokens, outcome: Partial<UsageEvent> = {}): Promise<UsageEvent> {
  const [event] = await dataPlane.waitForUsage(1);
  expect(dataPlane.usageEvents).toHaveLength(1);
  expect(event).toMatchObject({ model, status: 'SUCCESS', usageEstimated: false, ...outcome, ...tokens, ...expectedCost(model, tokens) });
  return event!;
}

const CLAUDE_PARAMS = { model: CLAUDE, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Price this call' }] };

describe('native Anthropic /v1/messages', () => {
  it('costs cache reads, five-minute and one-hour cache writes and thinking each at their own price', async () => {
    anthropicUp.enqueue(fakeAnthropic.reply({ usage: CLAUDE_SCRIPT }));
    const message = await anthropic.messages.create(CLAUDE_PARAMS);
    expect(message.usage).toMatchObject(CLAUDE_WIRE);
    await expectCosted(CLAUDE, fromAnthropic(CLAUDE_WIRE), { provider: 'anthropic' });
  });

  it('costs a stream from message_start and the final message_delta alike', async () => {
    anthropicUp.enqueue(fakeAnthropic.reply({ usage: CLAUDE_SCRIPT }));
    const message = await anthropic.messages.stream(CLAUDE_PARAMS).finalMessage();
    expect(message.usage).toMatchObject({ output_tokens: CLAUDE_WIRE.output_tokens, cache_creation_input_tokens: CLAUDE_WIRE.cache_creation_input_tokens });
    await expectCosted(CLAUDE, fromAnthropic(CLAUDE_WIRE));
  });
});

describe('native Gemini', () => {
  const contents = 'Price this call';

  it('generateContent: costs cached, tool-use and thoughts tokens', async () => {
    geminiUp.enqueue(fakeGemini.reply({ usage: GEMINI_SCRIPT }));
    const response = await gemini.models.generateContent({ model: FLASH, contents });
    expect(response.usageMetadata).toEqual(GEMINI_WIRE);
    await expectCosted(FLASH, fromGemini(GEMINI_WIRE), { provider: 'gemini' });
  });

  it('streamGenerateContent: costs the last cumulative usageMetadata', async () => {
    geminiUp.enqueue(fakeGemini.reply({ usage: GEMINI_SCRIPT }));
    let last: unknown;
    for await (const chunk of await gemini.models.generateContentStream({ model: FLASH, contents })) last = chunk.usageMetadata;
    expect(last).toEqual(GEMINI_WIRE);
    await expectCosted(FLASH, fromGemini(GEMINI_WIRE));
  });

  it('embedContent: costs the input tokens it reports, and no output', async () => {
    geminiUp.enqueue(fakeGemini.reply({ embeddingUsage: true, usage: { promptTokenCount: 90_001 } }));
    await gemini.models.embedContent({ model: EMBEDDING, contents: ['one two three', 'four five'] });
    // The SDK's embedContent calls batchEmbedContents; read the usage off the wire it answered.
    const sent = JSON.parse(geminiUp.requests[0]!.sent) as { usageMetadata: fakeGemini.GeminiUsageMetadata };
    expect(sent.usageMetadata.promptTokenCount).toBe(90_001);
    await expectCosted(EMBEDDING, fromGemini(sent.usageMetadata));
  });
});

type ChatMode = 'non-stream' | 'stream with include_usage' | 'stream without include_usage';
const MODES: ChatMode[] = ['non-stream', 'stream with include_usage', 'stream without include_usage'];

/** One OpenAI-SDK chat call in `mode`; returns the usage the client was given, if any. */
async function chat(model: string, mode: ChatMode): Promise<OpenAI.CompletionUsage | null | undefined> {
  const messages = [{ role: 'user' as const, content: 'Price this call' }];
  if (mode === 'non-stream') return (await openai.chat.completions.create({ model, messages })).usage;
  const stream = await openai.chat.completions.create({ model, messages, stream: true, ...(mode === 'stream with include_usage' ? { stream_options: { include_usage: true } } : {}) });
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  return usage;
}

describe.each([
  { provider: 'openai', model: GPT, script: () => openaiUp.enqueue(fakeOpenAI.reply({ usage: GPT_SCRIPT })), expected: fromOpenAI(GPT_WIRE) },
  { provider: 'anthropic', model: CLAUDE, script: () => anthropicUp.enqueue(fakeAnthropic.reply({ usage: CLAUDE_SCRIPT })), expected: fromAnthropic(CLAUDE_WIRE) },
  { provider: 'gemini', model: FLASH, script: () => geminiUp.enqueue(fakeGemini.reply({ usage: GEMINI_SCRIPT })), expected: fromGemini(GEMINI_WIRE) },
])('chat.completions with $model ($provider)', ({ provider, model, script, expected }) => {
  it.each(MODES)('%s: costs the upstream-reported usage, cached and reasoning parts included', async (mode) => {
    script();
    const usage = await chat(model, mode);
    if (mode === 'stream without include_usage') expect(usage).toBeUndefined();
    else expect(usage).toMatchObject({ prompt_tokens: expected.inputTokens, completion_tokens: expected.outputTokens });
    await expectCosted(model, expected, { provider });
  });
});

describe('an estimated record', () => {
  it('is costed from the counts it records: an Anthropic stream cut before message_delta keeps its exact input split', async () => {
    anthropicUp.enqueue(fakeAnthropic.cutStream(2, 'end', { usage: CLAUDE_SCRIPT }));
    let text = '';
    for await (const event of await anthropic.messages.create({ ...CLAUDE_PARAMS, stream: true })) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('Hello from');
    // message_start reported the input (reads and writes apart); the output is a quarter of the characters streamed.
    const input = fromAnthropic(CLAUDE_WIRE);
    const estimate = { ...input, outputTokens: Math.ceil(text.length / 4), reasoningTokens: 0 };
    const event = await expectCosted(CLAUDE, estimate, { usageEstimated: true });
    expect(event.costPicoUsd).toBe(expectedCost(CLAUDE, event).costPicoUsd);
  });
});

describe('an upstream error status', () => {
  it.each([
    { route: 'Anthropic /v1/messages', model: CLAUDE, fail: () => anthropicUp.enqueue(fakeAnthropic.overloaded()), call: () => anthropic.messages.create(CLAUDE_PARAMS) },
    { route: 'Gemini generateContent', model: FLASH, fail: () => geminiUp.enqueue(fakeGemini.resourceExhausted()), call: () => gemini.models.generateContent({ model: FLASH, contents: 'x' }) },
    { route: 'OpenAI chat', model: GPT, fail: () => openaiUp.enqueue(fakeOpenAI.serverError()), call: () => chat(GPT, 'non-stream') },
    { route: 'chat translated to Anthropic', model: CLAUDE, fail: () => anthropicUp.enqueue(fakeAnthropic.overloaded()), call: () => chat(CLAUDE, 'stream with include_usage') },
    { route: 'chat translated to Gemini', model: FLASH, fail: () => geminiUp.enqueue(fakeGemini.internalError()), call: () => chat(FLASH, 'non-stream') },
  ])('$route: records cost 0, still at the pinned price version', async ({ model, fail, call }) => {
    fail();
    await expect(call()).rejects.toThrow();
    const none = { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0 };
    const event = await expectCosted(model, none, { status: 'UPSTREAM_ERROR' });
    expect(event.costPicoUsd).toBe('0');
    expect(event.httpStatus).toBeGreaterThanOrEqual(400);
  });
});
