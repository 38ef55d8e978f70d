import { v5 as uuidv5 } from 'uuid';
import type { CatalogueModelSpec } from '../../shared/catalogue.js';
import { buildCatalogue, type Catalogue, type PriceVersion } from './catalogue.js';

// Fixed namespace for the ids of static price versions: the same spec gets the same id in every run.
const NAMESPACE = '6f1d2b8e-3c0a-4d5e-9b7f-1a2b3c4d5e6f';

/**
 * A catalogue that never changes, from model specs (shared/catalogue.ts), every price
 * effective since the epoch, unless `versions` gives a model its own. For tests and
 * tools that run the data-plane without a database; production uses the cache.
 */
export function createStaticCatalogue(
  specs: readonly CatalogueModelSpec[],
  options: { versions?: Readonly<Record<string, readonly PriceVersion[]>> } = {},
): Catalogue {
  return buildCatalogue(
    specs.map((spec) => ({
      publicName: spec.name,
      provider: spec.provider,
      upstreamModel: spec.upstreamModel,
      capabilities: spec.capabilities,
      createdAt: 0,
      versions: options.versions?.[spec.name] ?? [{ priceVersionId: staticPriceVersionId(spec.name), effectiveFrom: 0, prices: spec.prices }],
    })),
  );
}

/** The price version id a static catalogue gives a model's only price (a UUID, as the database's are). */
export function staticPriceVersionId(publicName: string): string {
  return uuidv5(publicName, NAMESPACE);
}
