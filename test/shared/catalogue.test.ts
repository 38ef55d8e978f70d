import { describe, expect, it } from 'vitest';
import { catalogueSeed, parseCatalogueFile, pricesWithDefaults, PROVIDERS } from '../../shared/catalogue.js';
import seedFile from '../../shared/catalogue.json' with { type: 'json' };

describe('the seed catalogue (shared/catalogue.json)', () => {
  it('says its prices are list prices an admin must verify', () => {
    expect(seedFile.notice).toMatch(/LIST PRICES TO BE VERIFIED BY AN ADMIN/);
    expect(seedFile.pricesVerified).toBe(false);
  });

  it('has models of every provider, the simulated ones free, with exact prices in micro-dollars per million tokens', () => {
    const seed = catalogueSeed();
    expect(new Set(seed.map((m) => m.provider))).toEqual(new Set(PROVIDERS));
    expect(seed.find((m) => m.name === 'gpt-4o-mini')).toEqual({
      name: 'gpt-4o-mini',
      provider: 'openai',
      upstreamModel: 'gpt-4o-mini',
      capabilities: ['chat', 'streaming', 'tools', 'vision', 'responses'],
      prices: { input: 150_000, cachedInput: 75_000, cacheWrite: 150_000, cacheWrite1h: 150_000, output: 600_000, reasoning: 600_000 },
    });
    expect(seed.find((m) => m.name === 'claude-sonnet-4-5')).toMatchObject({
      provider: 'anthropic',
      upstreamModel: 'claude-sonnet-4-5-20250929',
      prices: { input: 3_000_000, cachedInput: 300_000, cacheWrite: 3_750_000, cacheWrite1h: 6_000_000, output: 15_000_000, reasoning: 15_000_000 },
    });
    for (const name of ['simulated-gpt', 'simulated-gpt-mini']) {
      expect(seed.find((m) => m.name === name)).toMatchObject({ provider: 'simulated', prices: { input: 0, cachedInput: 0, cacheWrite: 0, cacheWrite1h: 0, output: 0, reasoning: 0 } });
    }
  });

  it('fills prices left out from input and output (a one-hour cache write from a cache write), explicitly', () => {
    expect(pricesWithDefaults({ input: 5, output: 7 })).toEqual({ input: 5, cachedInput: 5, cacheWrite: 5, cacheWrite1h: 5, output: 7, reasoning: 7 });
    expect(pricesWithDefaults({ input: 5, output: 7, cachedInput: 0, reasoning: 9 })).toEqual({ input: 5, cachedInput: 0, cacheWrite: 5, cacheWrite1h: 5, output: 7, reasoning: 9 });
    expect(pricesWithDefaults({ input: 5, output: 7, cacheWrite: 6 })).toMatchObject({ cacheWrite: 6, cacheWrite1h: 6 });
    expect(pricesWithDefaults({ input: 5, output: 7, cacheWrite: 6, cacheWrite1h: 10 })).toMatchObject({ cacheWrite: 6, cacheWrite1h: 10 });
    // Every Anthropic model of the seed prices a one-hour write at twice its input, a five-minute one at 1.25 times.
    for (const model of catalogueSeed().filter((m) => m.provider === 'anthropic')) {
      expect(model.prices.cacheWrite1h).toBe(2 * model.prices.input);
      expect(model.prices.cacheWrite).toBe(1.25 * model.prices.input);
    }
  });

  it('refuses a file with an inexact price, an unknown provider or a name twice, listing the problems', () => {
    const model = { name: 'm', provider: 'openai', capabilities: ['chat'], prices: { input: '1', output: '2' } };
    expect(() => parseCatalogueFile({ currency: 'USD', models: [{ ...model, prices: { input: '0.0000001', output: '1' } }] })).toThrow(/six decimals/);
    expect(() => parseCatalogueFile({ currency: 'USD', models: [{ ...model, provider: 'acme' }] })).toThrow(/invalid catalogue file/);
    expect(() => parseCatalogueFile({ currency: 'USD', models: [model, model] })).toThrow(/more than once: m/);
    expect(() => parseCatalogueFile({ currency: 'EUR', models: [model] })).toThrow(/invalid catalogue file/);
  });
});
