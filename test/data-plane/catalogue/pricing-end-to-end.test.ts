// The catalogue through the real stack: a control-plane seeded from shared/catalogue.json,
// two data-planes that load it and listen for changes, a fake OpenAI upstream. Every call
// is costed exactly at the price in effect when it arrived, and a price change applies to
// later calls only.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { createKey } from '../../helpers/api-keys.js';
import { seedModel } from '../../helpers/catalogue.js';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let fake: FakeOpenAI;
let stack: TestStack;
let user: GraphQLClient;
let admin: GraphQLClient;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  // An hour-long TTL: whatever reaches the data-planes within the test came by NOTIFY.
  stack = await startTestStack({ instances: 2, upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { CATALOGUE_TTL_SECONDS: '3600' } });
  user = stack.cp.client();
  await signUpAndLogIn(user);
  admin = stack.cp.client();
  const adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(stack.cp.db.fork(), adminUser.username);
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

const sdk = (plane: number, apiKey: string) => new OpenAI({ apiKey, baseURL: `${stack.planes[plane]!.url}/v1`, maxRetries: 0 });
const dbId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1]!;
/** Pico-dollars as dollars with 12 decimals, by string surgery (independent of the server's formatter). */
const dollars = (pico: bigint) => {
  const digits = pico.toString().padStart(13, '0');
  return { amount: `${digits.slice(0, -12)}.${digits.slice(-12)}`, currency: 'USD' };
};

const EVENTS = `query($key: ID) { usageEvents(first: 100, filter: { apiKey: $key }) { nodes {
  requestId model status inputTokens cachedInputTokens cacheWriteTokens outputTokens reasoningTokens cost { amount currency }
  priceVersion { id inputPerMillion { amount } outputPerMillion { amount } model { name } } } } }`;
const USAGE = `query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, granularity: DAY, groupBy: API_KEY) {
  apiKey { id } requests cost { amount currency } } }`;
const MODEL = `query { models(first: 100) { nodes { id name currentPrice { id } } } }`;
const PRICE_SET = `mutation($input: ModelPriceSetInput!) { modelPriceSet(input: $input) { price { id } userErrors { code } } }`;
const UPDATE = `mutation($input: ModelUpdateInput!) { modelUpdate(input: $input) { userErrors { code } } }`;

type EventNode = { requestId: string; cost: { amount: string }; priceVersion: { id: string; inputPerMillion: { amount: string } } | null } & Record<string, unknown>;

/** The key's events, newest first, once `count` of them are in the database. */
async function recordedEvents(keyId: string, count: number): Promise<EventNode[]> {
  for (const plane of stack.planes) await plane.usage.flush();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const nodes = (await user.data(EVENTS, { key: keyId })).usageEvents.nodes as EventNode[];
    if (nodes.length >= count || Date.now() > deadline) return nodes;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function modelByName(name: string): Promise<{ id: string; currentPrice: { id: string } }> {
  const nodes = (await admin.data(MODEL)).models.nodes as { id: string; name: string; currentPrice: { id: string } }[];
  const model = nodes.find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
}

/** Resolves once every data-plane prices `model` with `priceVersionId` now; fails after `withinMs`. */
async function everyPlanePrices(model: string, priceVersionId: string, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (stack.planes.every((plane) => plane.catalogue.resolve(model)?.priceAt(Date.now())?.priceVersionId === priceVersionId)) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`not every data-plane prices ${model} at ${priceVersionId} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cost on every usage record', () => {
  it("is exactly what the upstream's reported usage costs at the seeded list price, with the price version it was costed at", async () => {
    const key = await createKey(user);
    fake.enqueue(reply({ content: 'one two three four', usage: { cached_tokens: 3, reasoning_tokens: 7 } }));
    const answer = await sdk(0, key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'price this call' }] });
    const usage = answer.usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(3);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(7);

    const p = seedModel('gpt-4o-mini').prices;
    const expected =
      BigInt(usage.prompt_tokens - 3) * BigInt(p.input) +
      3n * BigInt(p.cachedInput) +
      BigInt(usage.completion_tokens - 7) * BigInt(p.output) +
      7n * BigInt(p.reasoning);
    const [event] = await recordedEvents(key.id, 1);
    expect(event).toMatchObject({
      model: 'gpt-4o-mini',
      inputTokens: usage.prompt_tokens,
      cachedInputTokens: 3,
      cacheWriteTokens: 0,
      outputTokens: usage.completion_tokens,
      reasoningTokens: 7,
      cost: dollars(expected),
      priceVersion: { id: (await modelByName('gpt-4o-mini')).currentPrice.id, inputPerMillion: { amount: '0.15' }, outputPerMillion: { amount: '0.60' }, model: { name: 'gpt-4o-mini' } },
    });
  });

  it('a new price reaches every running data-plane within a second and applies to later calls only; earlier records keep theirs', async () => {
    const key = await createKey(user);
    const model = await modelByName('gpt-4.1-mini');
    const oldVersion = model.currentPrice.id;
    fake.setReply({ usage: { prompt_tokens: 1_234_567, completion_tokens: 89 } });
    try {
      await sdk(0, key.secret).chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'before' }] });
      await recordedEvents(key.id, 1);

      const set = (await admin.data(PRICE_SET, { input: { model: model.id, price: { inputPerMillion: '0.333333', outputPerMillion: '7.777777' } } })).modelPriceSet;
      expect(set.userErrors).toEqual([]);
      const newVersion = set.price.id as string;
      expect(await everyPlanePrices('gpt-4.1-mini', dbId(newVersion), 1_000)).toBeLessThan(1_000);

      await sdk(1, key.secret).chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'after' }] });
      const [after, before] = await recordedEvents(key.id, 2);

      const old = seedModel('gpt-4.1-mini').prices;
      const oldCost = 1_234_567n * BigInt(old.input) + 89n * BigInt(old.output);
      const newCost = 1_234_567n * 333_333n + 89n * 7_777_777n;
      expect(before).toMatchObject({ priceVersion: { id: oldVersion, inputPerMillion: { amount: '0.40' } }, cost: dollars(oldCost) });
      expect(after).toMatchObject({ priceVersion: { id: newVersion, inputPerMillion: { amount: '0.333333' } }, cost: dollars(newCost) });

      // The totals are the exact sum of both, each at its own price.
      const day = new Date();
      const { usage: buckets } = await user.data(USAGE, { from: new Date(day.getTime() - 86_400_000).toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() });
      const mine = (buckets as { apiKey: { id: string } | null; requests: number; cost: unknown }[]).filter((b) => b.apiKey?.id === key.id);
      expect(mine).toEqual([{ apiKey: { id: key.id }, requests: 2, cost: dollars(oldCost + newCost) }]);
    } finally {
      fake.setReply({});
    }
  });
});

describe('routing by the catalogue', () => {
  it('answers an unknown model with 404 model_not_found, recording an uncosted refusal', async () => {
    const key = await createKey(user);
    const error = await sdk(0, key.secret).chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    const [event] = await recordedEvents(key.id, 1);
    expect(event).toMatchObject({ model: 'gpt-nonexistent', status: 'REJECTED', cost: dollars(0n), priceVersion: null });
  });

  it('lists on /v1/models the enabled catalogue models the key may call, and follows a model being disabled', async () => {
    const key = await createKey(user, { allowedModels: ['gpt-4o-mini', 'claude-sonnet-4-5', 'gpt-4.1-nano', 'no-such-model'] });
    const list = async (plane: number) => (await sdk(plane, key.secret).models.list()).data.map((m) => [m.id, m.owned_by]);
    for (const plane of [0, 1]) {
      expect(await list(plane)).toEqual([
        ['claude-sonnet-4-5', 'anthropic'],
        ['gpt-4.1-nano', 'openai'],
        ['gpt-4o-mini', 'openai'],
      ]);
    }
    const nano = await modelByName('gpt-4.1-nano');
    expect((await admin.data(UPDATE, { input: { id: nano.id, enabled: false } })).modelUpdate.userErrors).toEqual([]);
    const started = Date.now();
    while (stack.planes.some((plane) => plane.catalogue.resolve('gpt-4.1-nano') !== null)) {
      if (Date.now() - started > 1_000) throw new Error('a data-plane still serves the disabled model after 1 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const plane of [0, 1]) {
      expect(await list(plane)).toEqual([
        ['claude-sonnet-4-5', 'anthropic'],
        ['gpt-4o-mini', 'openai'],
      ]);
    }
    const refused = await sdk(1, key.secret).chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
