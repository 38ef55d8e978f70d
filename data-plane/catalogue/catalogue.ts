import type { Prices } from '../../shared/pricing.js';

/** The price a call is costed with: a stored price version, never edited once it exists. */
export interface PriceQuote {
  /** The price_version row, recorded on the usage event. */
  priceVersionId: string;
  prices: Prices;
}

/** One enabled model of the catalogue, as the data-plane routes and costs it. */
export interface CatalogueEntry {
  /** The name clients send and usage events record. */
  publicName: string;
  /** Which upstream serves it: `openai`, `anthropic`, `gemini` or `simulated`. */
  provider: string;
  /** The name the provider knows it by; sent upstream in place of the public name. */
  upstreamModel: string;
  capabilities: readonly string[];
  /** When the model was added to the catalogue (ms since the epoch): `created` in OpenAI's model list. */
  createdAt: number;
  /** The price in effect at `at` (ms since the epoch); null before the model's first price. */
  priceAt(at: number): PriceQuote | null;
}

/** The model catalogue as the data-plane sees it: enabled models only. */
export interface Catalogue {
  /** The enabled model with this public name, or null. */
  resolve(publicName: string): CatalogueEntry | null;
  /** Every enabled model, by public name. */
  list(): readonly CatalogueEntry[];
}

/** A price version as loaded: when it takes effect, and its prices. */
export interface PriceVersion extends PriceQuote {
  effectiveFrom: number;
}

/** What {@link buildCatalogue} needs per model. */
export interface CatalogueModel {
  publicName: string;
  provider: string;
  upstreamModel: string;
  capabilities: readonly string[];
  createdAt: number;
  versions: readonly PriceVersion[];
}

/**
 * An immutable catalogue over `models`. Each model keeps its current and upcoming price
 * versions, so a price scheduled for 12:00 applies to calls arriving from 12:00 on
 * without a reload. Of two versions effective at the same instant the later set wins:
 * ids are UUIDv7, ordered by creation, the same rule as the control-plane's currentPrice.
 */
export function buildCatalogue(models: readonly CatalogueModel[]): Catalogue {
  const byName = new Map<string, CatalogueEntry>();
  for (const model of models) {
    const versions = [...model.versions].sort((a, b) => a.effectiveFrom - b.effectiveFrom || (a.priceVersionId < b.priceVersionId ? -1 : 1));
    byName.set(model.publicName, {
      publicName: model.publicName,
      provider: model.provider,
      upstreamModel: model.upstreamModel,
      capabilities: Object.freeze([...model.capabilities]),
      createdAt: model.createdAt,
      priceAt(at) {
        for (let i = versions.length - 1; i >= 0; i--) {
          const version = versions[i]!;
          if (version.effectiveFrom <= at) return { priceVersionId: version.priceVersionId, prices: version.prices };
        }
        return null;
      },
    });
  }
  const list = Object.freeze([...byName.values()].sort((a, b) => (a.publicName < b.publicName ? -1 : a.publicName > b.publicName ? 1 : 0)));
  return { resolve: (publicName) => byName.get(publicName) ?? null, list: () => list };
}
