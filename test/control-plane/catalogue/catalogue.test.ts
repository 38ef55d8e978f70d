import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../../control-plane/modules/catalogue/catalogue.seed.js';
import { catalogueSeed } from '../../../shared/catalogue.js';
import { formatMicroUsd } from '../../../shared/pricing.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import type { GraphQLClient } from '../../helpers/graphql-client.js';
import {
  allModels,
  catalogueNotifications,
  eventually,
  loggedIn,
  MODEL_CREATE,
  MODEL_PRICE_SET,
  MODEL_UPDATE,
  modelNamed,
  MODELS,
  PRICE_HISTORY,
} from './fixture.js';

const usd = (amount: string) => ({ amount, currency: 'USD' });
const PRICE = { inputPerMillion: '0.15', outputPerMillion: '0.60' };

let cp: TestControlPlane;
let admin: GraphQLClient;
let user: GraphQLClient;

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await loggedIn(cp, true);
  user = await loggedIn(cp);
});
afterAll(() => cp?.stop());

describe('seeding the catalogue', () => {
  it('fills an empty catalogue from shared/catalogue.json once, announces it, and never overwrites what admins changed', async () => {
    const fresh = await startTestControlPlane({}, undefined, { seed: false });
    const notes = await catalogueNotifications(fresh);
    try {
      const freshAdmin = await loggedIn(fresh, true);
      expect(await allModels(freshAdmin, true)).toEqual([]);

      expect(await seedCatalogue(fresh.db.fork())).toEqual({ seeded: true, models: catalogueSeed().length });
      await eventually(() => notes.payloads.length === 1);
      const seeded = await allModels(freshAdmin, true);
      expect(seeded.map((m) => m.name).sort()).toEqual(catalogueSeed().map((m) => m.name).sort());
      for (const spec of catalogueSeed()) {
        const model = seeded.find((m) => m.name === spec.name)!;
        expect(model).toMatchObject({ provider: spec.provider, upstreamModel: spec.upstreamModel, enabled: true });
        expect(model.capabilities).toEqual(spec.capabilities.map((c) => c.toUpperCase()));
        expect(model.currentPrice).toMatchObject({
          inputPerMillion: usd(formatMicroUsd(spec.prices.input)),
          cachedInputPerMillion: usd(formatMicroUsd(spec.prices.cachedInput)),
          cacheWritePerMillion: usd(formatMicroUsd(spec.prices.cacheWrite)),
          cacheWrite1hPerMillion: usd(formatMicroUsd(spec.prices.cacheWrite1h)),
          outputPerMillion: usd(formatMicroUsd(spec.prices.output)),
          reasoningPerMillion: usd(formatMicroUsd(spec.prices.reasoning)),
        });
      }

      // An admin disables one model and reprices another; the seed runs again (a restart).
      const gpt4o = seeded.find((m) => m.name === 'gpt-4o')!;
      const mini = seeded.find((m) => m.name === 'gpt-4o-mini')!;
      expect((await freshAdmin.data(MODEL_UPDATE, { input: { id: gpt4o.id, enabled: false } })).modelUpdate.userErrors).toEqual([]);
      expect((await freshAdmin.data(MODEL_PRICE_SET, { input: { model: mini.id, price: { inputPerMillion: '9', outputPerMillion: '9' } } })).modelPriceSet.userErrors).toEqual([]);
      const changed = await allModels(freshAdmin, true);

      expect(await seedCatalogue(fresh.db.fork())).toEqual({ seeded: false });
      expect(await allModels(freshAdmin, true)).toEqual(changed);
      expect(changed.find((m) => m.name === 'gpt-4o')!.enabled).toBe(false);
      expect(changed.find((m) => m.name === 'gpt-4o-mini')!.currentPrice.inputPerMillion).toEqual(usd('9.00'));
    } finally {
      await notes.close();
      await fresh.stop();
    }
  });
});

describe('models', () => {
  it('lists the enabled models with provider, capabilities and current price to any logged-in account, money as exact decimal strings', async () => {
    const models = await allModels(user);
    expect(models.length).toBe(catalogueSeed().length);
    expect(models.find((m) => m.name === 'gpt-4o-mini')).toMatchObject({
      provider: 'openai',
      upstreamModel: 'gpt-4o-mini',
      capabilities: ['CHAT', 'STREAMING', 'TOOLS', 'VISION', 'RESPONSES'],
      enabled: true,
      currentPrice: {
        inputPerMillion: usd('0.15'),
        cachedInputPerMillion: usd('0.075'),
        cacheWritePerMillion: usd('0.15'),
        cacheWrite1hPerMillion: usd('0.15'),
        outputPerMillion: usd('0.60'),
        reasoningPerMillion: usd('0.60'),
      },
    });
    // Anthropic's list prices: a five-minute cache write 1.25× input, a one-hour one 2×.
    expect(models.find((m) => m.name === 'claude-haiku-4-5')).toMatchObject({
      provider: 'anthropic',
      upstreamModel: 'claude-haiku-4-5-20251001',
      currentPrice: {
        inputPerMillion: usd('1.00'),
        cachedInputPerMillion: usd('0.10'),
        cacheWritePerMillion: usd('1.25'),
        cacheWrite1hPerMillion: usd('2.00'),
        outputPerMillion: usd('5.00'),
      },
    });
  });

  it('needs a session, and only admins may include disabled models', async () => {
    expect((await cp.client().request(MODELS, { first: 1 })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const disabled = await user.request(MODELS, { first: 1, includeDisabled: true });
    expect(disabled.data).toBeNull();
    expect(disabled.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('admin mutations', () => {
  const create = (client: GraphQLClient, input: Record<string, unknown>) =>
    client.request(MODEL_CREATE, { input: { name: 'acme-chat', provider: 'openai', capabilities: ['CHAT'], price: PRICE, ...input } });

  it('are FORBIDDEN to users and change nothing', async () => {
    const model = await modelNamed(admin, 'o3');
    const attempts = [
      await create(user, { name: 'user-made' }),
      await user.request(MODEL_UPDATE, { input: { id: model.id, enabled: false } }),
      await user.request(MODEL_PRICE_SET, { input: { model: model.id, price: PRICE } }),
    ];
    for (const result of attempts) {
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await modelNamed(admin, 'o3')).toEqual(model);
    expect((await allModels(admin, true)).some((m) => m.name === 'user-made')).toBe(false);
  });

  it('modelCreate adds a model with its first price in effect now, prices left out stored explicitly, and announces it', async () => {
    const notes = await catalogueNotifications(cp);
    try {
      const before = Date.now();
      const { modelCreate } = await admin.data(MODEL_CREATE, {
        input: { name: 'house-model', provider: 'openai', upstreamModel: 'gpt-4.1-mini-2025-04-14', capabilities: ['CHAT', 'STREAMING', 'CHAT'], price: PRICE },
      });
      expect(modelCreate.userErrors).toEqual([]);
      expect(modelCreate.model).toMatchObject({
        name: 'house-model',
        provider: 'openai',
        upstreamModel: 'gpt-4.1-mini-2025-04-14',
        capabilities: ['CHAT', 'STREAMING'],
        enabled: true,
        currentPrice: {
          inputPerMillion: usd('0.15'),
          cachedInputPerMillion: usd('0.15'),
          cacheWritePerMillion: usd('0.15'),
          cacheWrite1hPerMillion: usd('0.15'),
          outputPerMillion: usd('0.60'),
          reasoningPerMillion: usd('0.60'),
        },
      });
      expect(Date.parse(modelCreate.model.currentPrice.effectiveFrom)).toBeGreaterThanOrEqual(before - 1_000);
      await eventually(() => notes.payloads.includes('house-model'));
      expect((await allModels(user)).some((m) => m.name === 'house-model')).toBe(true);
    } finally {
      await notes.close();
    }
  });

  it('modelCreate reports every problem as a userError and creates nothing', async () => {
    const taken = (await create(admin, { name: 'gpt-4o' })).data!.modelCreate as { userErrors: unknown[] };
    expect(taken.userErrors).toEqual([{ field: ['input', 'name'], code: 'TAKEN', message: expect.any(String) }]);
    const bad = (
      await create(admin, {
        name: 'has spaces',
        provider: 'acme',
        upstreamModel: 'a/b',
        capabilities: [],
        price: { inputPerMillion: '0.0000001', outputPerMillion: '-1', reasoningPerMillion: '1e3' },
      })
    ).data!.modelCreate as { model: unknown; userErrors: { field: string[]; code: string }[] };
    expect(bad.model).toBeNull();
    expect(bad.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.name', 'INVALID'],
      ['input.provider', 'INVALID'],
      ['input.upstreamModel', 'INVALID'],
      ['input.capabilities', 'INVALID'],
      ['input.price.inputPerMillion', 'INVALID'],
      ['input.price.outputPerMillion', 'INVALID'],
      ['input.price.reasoningPerMillion', 'INVALID'],
    ]);
    expect((await allModels(admin, true)).some((m) => m.name === 'has spaces')).toBe(false);
  });

  it('modelUpdate changes provider, upstream model, capabilities and enabled; a disabled model is hidden from users', async () => {
    const model = await modelNamed(admin, 'gpt-4.1-nano');
    const { modelUpdate } = await admin.data(MODEL_UPDATE, {
      input: { id: model.id, upstreamModel: 'gpt-4.1-nano-2025-04-14', capabilities: ['CHAT'], enabled: false },
    });
    expect(modelUpdate.userErrors).toEqual([]);
    expect(modelUpdate.model).toMatchObject({ name: 'gpt-4.1-nano', provider: 'openai', upstreamModel: 'gpt-4.1-nano-2025-04-14', capabilities: ['CHAT'], enabled: false });
    // Its price is untouched by a model change.
    expect(modelUpdate.model.currentPrice).toEqual(model.currentPrice);
    expect((await allModels(user)).some((m) => m.name === 'gpt-4.1-nano')).toBe(false);
    expect((await user.data(`query($id: ID!) { node(id: $id) { id } }`, { id: model.id })).node).toBeNull();
    expect((await admin.data(`query($id: ID!) { node(id: $id) { id } }`, { id: model.id })).node).toEqual({ id: model.id });

    const again = await admin.data(MODEL_UPDATE, { input: { id: model.id, enabled: true, provider: 'simulated' } });
    expect(again.modelUpdate.model).toMatchObject({ enabled: true, provider: 'simulated', upstreamModel: 'gpt-4.1-nano-2025-04-14' });
    const invalid = await admin.data(MODEL_UPDATE, { input: { id: model.id, provider: 'acme', capabilities: [] } });
    expect(invalid.modelUpdate.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.provider', 'input.capabilities']);
    const missing = await admin.data(MODEL_UPDATE, { input: { id: Buffer.from('Model:01a21970-0000-7000-8000-000000000000').toString('base64url') } });
    expect(missing.modelUpdate.userErrors).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such model.' }]);
  });
});

describe('modelPriceSet: versioned prices', () => {
  it('adds a version in effect now; the old version stays in the history exactly as it was', async () => {
    const model = await modelNamed(admin, 'gpt-4.1');
    const old = model.currentPrice;
    const { modelPriceSet } = await admin.data(MODEL_PRICE_SET, {
      input: { model: model.id, price: { inputPerMillion: '1.999999', cachedInputPerMillion: '0.000001', outputPerMillion: '8', reasoningPerMillion: '12.5' } },
    });
    expect(modelPriceSet.userErrors).toEqual([]);
    expect(modelPriceSet.price).toMatchObject({
      inputPerMillion: usd('1.999999'),
      cachedInputPerMillion: usd('0.000001'),
      cacheWritePerMillion: usd('1.999999'),
      cacheWrite1hPerMillion: usd('1.999999'),
      outputPerMillion: usd('8.00'),
      reasoningPerMillion: usd('12.50'),
      model: { name: 'gpt-4.1' },
    });
    expect(modelPriceSet.model.currentPrice.id).toBe(modelPriceSet.price.id);
    const history = (await user.data(PRICE_HISTORY, { id: model.id })).node.priceHistory.nodes;
    expect(history).toEqual([expect.objectContaining({ id: modelPriceSet.price.id }), old]);
  });

  it('schedules a version for a later instant without changing the current price until then', async () => {
    const model = await modelNamed(admin, 'o4-mini');
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const { modelPriceSet } = await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: { inputPerMillion: '5', outputPerMillion: '5' }, effectiveFrom: at } });
    expect(modelPriceSet.userErrors).toEqual([]);
    expect(modelPriceSet.price.effectiveFrom).toBe(at);
    expect(modelPriceSet.model.currentPrice.id).toBe(model.currentPrice.id);
    expect((await modelNamed(admin, 'o4-mini')).currentPrice).toEqual(model.currentPrice);
    const history = (await admin.data(PRICE_HISTORY, { id: model.id })).node.priceHistory.nodes;
    expect(history.map((p: { id: string }) => p.id)).toEqual([modelPriceSet.price.id, model.currentPrice.id]);
  });

  it('keeps the one-hour cache-write price apart: set explicitly, or the cache-write price when left out', async () => {
    const model = await modelNamed(admin, 'claude-sonnet-4-0');
    const both = await admin.data(MODEL_PRICE_SET, {
      input: { model: model.id, price: { inputPerMillion: '3', outputPerMillion: '15', cacheWritePerMillion: '3.75', cacheWrite1hPerMillion: '6.000001' } },
    });
    expect(both.modelPriceSet.userErrors).toEqual([]);
    expect(both.modelPriceSet.price).toMatchObject({ inputPerMillion: usd('3.00'), cacheWritePerMillion: usd('3.75'), cacheWrite1hPerMillion: usd('6.000001') });
    const defaulted = await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: { inputPerMillion: '3', outputPerMillion: '15', cacheWritePerMillion: '4.5' } } });
    expect(defaulted.modelPriceSet.price).toMatchObject({ cacheWritePerMillion: usd('4.50'), cacheWrite1hPerMillion: usd('4.50') });
    const inexact = await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: { inputPerMillion: '3', outputPerMillion: '15', cacheWrite1hPerMillion: '-6' } } });
    expect(inexact.modelPriceSet.userErrors).toEqual([{ field: ['input', 'price', 'cacheWrite1hPerMillion'], code: 'INVALID', message: expect.any(String) }]);
    expect((await admin.data(PRICE_HISTORY, { id: model.id })).node.priceHistory.nodes).toHaveLength(3);
  });

  it('refuses a price in the past, an inexact price and an unknown model with userErrors', async () => {
    const model = await modelNamed(admin, 'gpt-5');
    const past = await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: PRICE, effectiveFrom: new Date(Date.now() - 60_000).toISOString() } });
    expect(past.modelPriceSet.userErrors).toEqual([{ field: ['input', 'effectiveFrom'], code: 'INVALID', message: expect.any(String) }]);
    const inexact = await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: { inputPerMillion: '0.1234567', outputPerMillion: '1' } } });
    expect(inexact.modelPriceSet.userErrors).toEqual([{ field: ['input', 'price', 'inputPerMillion'], code: 'INVALID', message: expect.any(String) }]);
    const unknown = await admin.data(MODEL_PRICE_SET, { input: { model: 'not-an-id', price: PRICE } });
    expect(unknown.modelPriceSet.userErrors).toEqual([{ field: ['input', 'model'], code: 'NOT_FOUND', message: 'No such model.' }]);
    expect(await modelNamed(admin, 'gpt-5')).toEqual(model);
    expect((await admin.data(PRICE_HISTORY, { id: model.id })).node.priceHistory.nodes).toHaveLength(1);
  });

  it('announces every price change to the data-planes', async () => {
    const notes = await catalogueNotifications(cp);
    try {
      const model = await modelNamed(admin, 'gpt-5-mini');
      await admin.data(MODEL_PRICE_SET, { input: { model: model.id, price: PRICE } });
      await eventually(() => notes.payloads.includes('gpt-5-mini'));
    } finally {
      await notes.close();
    }
  });
});
