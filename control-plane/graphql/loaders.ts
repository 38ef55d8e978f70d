import DataLoader from 'dataloader';
import type { Em } from '../db/orm.js';
import { Account } from '../modules/account/account.entity.js';
import { createApiKeyLoader } from '../modules/usage/usage.loader.js';
import { createCatalogueModelLoader, createCurrentPriceLoader, createPriceVersionLoader } from '../modules/catalogue/catalogue.loader.js';

/** Per-request batch loaders, so that a list of N items costs one query, not N. */
export function createLoaders(em: Em) {
  return {
    account: new DataLoader<string, Account | null>(async (ids) => {
      const rows = await em.find(Account, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    apiKey: createApiKeyLoader(em),
    catalogueModel: createCatalogueModelLoader(em),
    priceVersion: createPriceVersionLoader(em),
    currentPrice: createCurrentPriceLoader(em),
  };
}
