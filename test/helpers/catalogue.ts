import { createStaticCatalogue } from '../../data-plane/catalogue/static.js';
import type { Catalogue } from '../../data-plane/catalogue/catalogue.js';
import { catalogueSeed, pricesWithDefaults, type CatalogueModelSpec, type PartialPrices } from '../../shared/catalogue.js';

/** The seed model with this public name (shared/catalogue.json); throws when there is none. */
export function seedModel(name: string): CatalogueModelSpec {
  const model = catalogueSeed().find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name} in shared/catalogue.json`);
  return model;
}

/** A model spec for tests: an OpenAI chat model unless `overrides` say otherwise. */
export function testModel(name: string, overrides: Partial<Omit<CatalogueModelSpec, 'prices'>> & { prices?: PartialPrices } = {}): CatalogueModelSpec {
  const { prices, ...rest } = overrides;
  return {
    name,
    provider: 'openai',
    upstreamModel: name,
    capabilities: ['chat', 'streaming'],
    ...rest,
    prices: pricesWithDefaults(prices ?? { input: 1_000_000, output: 2_000_000 }),
  };
}

/**
 * The seed catalogue as a data-plane without a database sees it, every price effective
 * since the epoch. `extra` adds models (or replaces seed models of the same name);
 * `without` drops seed models (as if disabled).
 */
export function testCatalogue(options: { extra?: CatalogueModelSpec[]; without?: string[] } = {}): Catalogue {
  const replaced = new Set([...(options.extra ?? []).map((m) => m.name), ...(options.without ?? [])]);
  return createStaticCatalogue([...catalogueSeed().filter((m) => !replaced.has(m.name)), ...(options.extra ?? [])]);
}
