import DataLoader from 'dataloader';
import type { Em } from '../../db/orm.js';
import { ApiKey } from '../api-key/api-key.entity.js';

/**
 * API keys by id, batched per request: the keys of a page of usage events or of a
 * usage series grouped by key cost one query, not one each.
 */
export function createApiKeyLoader(em: Em): DataLoader<string, ApiKey | null> {
  return new DataLoader<string, ApiKey | null>(async (ids) => {
    const rows = await em.find(ApiKey, { id: { $in: [...ids] } });
    const byId = new Map(rows.map((k) => [k.id, k]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
