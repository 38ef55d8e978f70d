import { CATALOGUE_CHANNEL } from '../../shared/key-events.js';
import type { Logger } from '../../shared/logger.js';
import { isValidPrice, type Prices } from '../../shared/pricing.js';
import type { SqlClient } from '../../shared/sql.js';
import { createReloader, type Reloader } from '../cache/reloader.js';
import { buildCatalogue, type Catalogue, type CatalogueEntry, type CatalogueModel } from './catalogue.js';

interface Row {
  public_name: string;
  provider: string;
  upstream_model: string;
  capabilities: string[] | null;
  model_created_at: Date | string;
  price_version_id: string;
  effective_from: Date | string;
  input: string;
  cached_input: string;
  cache_write: string;
  cache_write_1h: string;
  output: string;
  reasoning: string;
}

/*
 * Every enabled model with the price version in effect a day ago and every later one:
 * enough to price any call whatever the skew between this host's clock and the
 * database's, and upcoming versions apply on time without a reload. Versions older
 * than that can price nothing new, so they are not loaded.
 */
const LOAD = `select m.public_name, m.provider, m.upstream_model, m.capabilities, m.created_at as model_created_at,
    p.id::text as price_version_id, p.effective_from,
    p.input_micro_usd_per_m::text as input, p.cached_input_micro_usd_per_m::text as cached_input,
    p.cache_write_micro_usd_per_m::text as cache_write, p.cache_write_1h_micro_usd_per_m::text as cache_write_1h,
    p.output_micro_usd_per_m::text as output,
    p.reasoning_micro_usd_per_m::text as reasoning
  from catalogue_model m
  join price_version p on p.model_id = m.id
  where m.enabled and p.effective_from >= coalesce(
    (select max(q.effective_from) from price_version q where q.model_id = m.id and q.effective_from <= now() - interval '1 day'),
    '-infinity'::timestamptz)`;

export interface CatalogueCacheOptions {
  sql: SqlClient;
  logger: Logger;
  /** Backstop: the catalogue is reloaded this often even if no NOTIFY came. */
  ttlMs: number;
}

export interface CatalogueCache extends Catalogue, Reloader {}

/**
 * The model catalogue in memory, as the key cache holds keys: a lookup on the request
 * path never touches the database. The whole catalogue (tens of models, a few price
 * versions each) is reloaded on every NOTIFY on {@link CATALOGUE_CHANNEL} (see reloader.ts).
 */
export function createCatalogueCache(options: CatalogueCacheOptions): CatalogueCache {
  const log = options.logger.child({ component: 'catalogue' });
  let current: Catalogue = buildCatalogue([]);
  const reloader = createReloader({
    ...options,
    channel: CATALOGUE_CHANNEL,
    log,
    what: 'catalogue',
    async load() {
      const rows = await options.sql.query<Row>(LOAD);
      current = buildCatalogue(toModels(rows));
      log.debug({ models: current.list().length }, 'catalogue loaded');
    },
  });
  return {
    resolve: (publicName: string): CatalogueEntry | null => current.resolve(publicName),
    list: () => current.list(),
    ...reloader,
  };
}

function toModels(rows: readonly Row[]): CatalogueModel[] {
  const models = new Map<string, CatalogueModel & { versions: CatalogueModel['versions'][number][] }>();
  for (const row of rows) {
    let model = models.get(row.public_name);
    if (!model) {
      model = {
        publicName: row.public_name,
        provider: row.provider,
        upstreamModel: row.upstream_model,
        capabilities: row.capabilities ?? [],
        createdAt: new Date(row.model_created_at).getTime(),
        versions: [],
      };
      models.set(row.public_name, model);
    }
    model.versions.push({ priceVersionId: row.price_version_id, effectiveFrom: new Date(row.effective_from).getTime(), prices: toPrices(row) });
  }
  return [...models.values()];
}

function toPrices(row: Row): Prices {
  const prices = {
    input: Number(row.input),
    cachedInput: Number(row.cached_input),
    cacheWrite: Number(row.cache_write),
    cacheWrite1h: Number(row.cache_write_1h),
    output: Number(row.output),
    reasoning: Number(row.reasoning),
  };
  // The database holds bigints; one past what billing accepts is a bad row, not a price to round.
  for (const [kind, value] of Object.entries(prices)) {
    if (!isValidPrice(value)) throw new Error(`price version ${row.price_version_id}: ${kind} is out of range`);
  }
  return prices;
}
