import DataLoader from 'dataloader';
import type { Em } from '../../db/orm.js';
import { CatalogueModel, PriceVersion } from './catalogue.entity.js';

/** Catalogue models by id, batched per request (a page of prices or usage events names a few). */
export function createCatalogueModelLoader(em: Em): DataLoader<string, CatalogueModel | null> {
  return new DataLoader(async (ids) => {
    const rows = await em.find(CatalogueModel, { id: { $in: [...ids] } });
    const byId = new Map(rows.map((m) => [m.id, m]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Price versions by id: the versions a page of usage events was costed with, one query. */
export function createPriceVersionLoader(em: Em): DataLoader<string, PriceVersion | null> {
  return new DataLoader(async (ids) => {
    const rows = await em.find(PriceVersion, { id: { $in: [...ids] } });
    const byId = new Map(rows.map((v) => [v.id, v]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Each model's price in effect now: its latest version with effectiveFrom ≤ now, the
 * later set winning a tie (ids are UUIDv7), the same rule as the data-plane's priceAt.
 * "Now" is when the batch runs, so a mutation's payload sees the price it just set.
 */
export function createCurrentPriceLoader(em: Em, now: () => Date = () => new Date()): DataLoader<string, PriceVersion | null> {
  return new DataLoader(async (modelIds) => {
    const at = now();
    const rows = await em.getConnection().execute<{ id: string }[]>(
      `select distinct on (model_id) id::text as id from price_version
        where model_id = any(?::uuid[]) and effective_from <= ?::timestamptz
        order by model_id, effective_from desc, id desc`,
      [`{${modelIds.join(',')}}`, at.toISOString()],
    );
    const versions = await em.find(PriceVersion, { id: { $in: rows.map((r) => r.id) } });
    const byModel = new Map(versions.map((v) => [v.model.id, v]));
    return modelIds.map((id) => byModel.get(id) ?? null);
  });
}
