// The data-plane's catalogue over a real database: what it loads, and how changes reach it
// (NOTIFY, the TTL backstop, a lost LISTEN connection), without a query on the request path.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogueCache, type CatalogueCache } from '../../../data-plane/catalogue/cache.js';
import { newId } from '../../../shared/ids.js';
import { CATALOGUE_CHANNEL } from '../../../shared/key-events.js';
import type { SqlClient } from '../../../shared/sql.js';
import { createTestSqlClient } from '../../helpers/db.js';
import { eventually } from '../../helpers/eventually.js';
import { capturingLogger } from '../usage/helpers.js';

let db: Awaited<ReturnType<typeof createTestSqlClient>>;
const caches: CatalogueCache[] = [];

beforeAll(async () => {
  db = await createTestSqlClient();
});
afterAll(async () => {
  for (const cache of caches) await cache.close();
  await db?.close();
});

const H = 3_600_000;

async function insertModel(sql: SqlClient, options: { enabled?: boolean; provider?: string; upstream?: string } = {}): Promise<{ id: string; name: string }> {
  const id = newId();
  const name = `m-${randomUUID().slice(0, 8)}`;
  await sql.query(
    `insert into catalogue_model (id, public_name, provider, upstream_model, capabilities, enabled, created_at, updated_at)
     values ($1, $2, $3, $4, '{chat,streaming}', $5, now(), now())`,
    [id, name, options.provider ?? 'openai', options.upstream ?? `${name}-upstream`, options.enabled ?? true],
  );
  return { id, name };
}

async function insertPrice(sql: SqlClient, modelId: string, effectiveFrom: number, input: number, id = newId()): Promise<string> {
  await sql.query(
    `insert into price_version (id, model_id, effective_from, input_micro_usd_per_m, cached_input_micro_usd_per_m, cache_write_micro_usd_per_m,
       cache_write_1h_micro_usd_per_m, output_micro_usd_per_m, reasoning_micro_usd_per_m, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())`,
    [id, modelId, new Date(effectiveFrom).toISOString(), input, input * 3, input * 2, input * 5, input * 4, input * 8],
  );
  return id;
}

async function startCache(sql: SqlClient, ttlMs = 3_600_000, logger = capturingLogger().logger): Promise<CatalogueCache> {
  const cache = createCatalogueCache({ sql, logger, ttlMs });
  caches.push(cache);
  await cache.start();
  return cache;
}

describe('the catalogue cache', () => {
  it('loads every enabled model with its provider, upstream name, capabilities and prices; disabled and unpriced ones are unknown', async () => {
    const model = await insertModel(db.sql, { provider: 'anthropic', upstream: 'claude-x-20250101' });
    const version = await insertPrice(db.sql, model.id, Date.now() - H, 3_000_000);
    const disabled = await insertModel(db.sql, { enabled: false });
    await insertPrice(db.sql, disabled.id, Date.now() - H, 1);
    const unpriced = await insertModel(db.sql);

    const cache = await startCache(db.sql);
    const entry = cache.resolve(model.name);
    expect(entry).toMatchObject({ publicName: model.name, provider: 'anthropic', upstreamModel: 'claude-x-20250101', capabilities: ['chat', 'streaming'] });
    expect(entry!.priceAt(Date.now())).toEqual({
      priceVersionId: version,
      prices: { input: 3_000_000, cachedInput: 9_000_000, cacheWrite: 6_000_000, cacheWrite1h: 15_000_000, output: 12_000_000, reasoning: 24_000_000 },
    });
    expect(entry!.priceAt(Date.now() - 2 * H)).toBeNull();
    expect(cache.resolve(disabled.name)).toBeNull();
    expect(cache.resolve(unpriced.name)).toBeNull();
    expect(cache.list().map((m) => m.publicName)).toContain(model.name);
  });

  it('holds upcoming prices, so a price scheduled for later applies from its instant without a reload; the later set wins a tie', async () => {
    const model = await insertModel(db.sql);
    const now = Date.now();
    const current = await insertPrice(db.sql, model.id, now - H, 100);
    const next = await insertPrice(db.sql, model.id, now + H, 200);
    // Two versions for the same instant: the one set later (the larger UUIDv7) is the price.
    const tieFirst = await insertPrice(db.sql, model.id, now + 2 * H, 300);
    const tieLater = await insertPrice(db.sql, model.id, now + 2 * H, 400);
    expect(tieLater > tieFirst).toBe(true);

    const entry = (await startCache(db.sql)).resolve(model.name)!;
    expect(entry.priceAt(now)?.priceVersionId).toBe(current);
    expect(entry.priceAt(now + H - 1)?.priceVersionId).toBe(current);
    expect(entry.priceAt(now + H)?.priceVersionId).toBe(next);
    expect(entry.priceAt(now + 2 * H)).toMatchObject({ priceVersionId: tieLater, prices: { input: 400 } });
  });

  it('keeps the price that was current a day ago, but not the versions before it', async () => {
    const model = await insertModel(db.sql);
    const now = Date.now();
    await insertPrice(db.sql, model.id, now - 72 * H, 1);
    const dayBefore = await insertPrice(db.sql, model.id, now - 48 * H, 2);
    const current = await insertPrice(db.sql, model.id, now - H, 3);
    const entry = (await startCache(db.sql)).resolve(model.name)!;
    expect(entry.priceAt(now)?.priceVersionId).toBe(current);
    expect(entry.priceAt(now - 24 * H)?.priceVersionId).toBe(dayBefore);
    expect(entry.priceAt(now - 60 * H)).toBeNull();
  });

  it('reloads within a second of a NOTIFY on the catalogue channel', async () => {
    const cache = await startCache(db.sql);
    const model = await insertModel(db.sql);
    const version = await insertPrice(db.sql, model.id, Date.now() - 1_000, 5);
    expect(cache.resolve(model.name)).toBeNull();
    await db.sql.query('select pg_notify($1, $2)', [CATALOGUE_CHANNEL, model.name]);
    await eventually(() => cache.resolve(model.name)?.priceAt(Date.now())?.priceVersionId === version);

    await db.sql.query(`update catalogue_model set enabled = false where id = $1`, [model.id]);
    await db.sql.query('select pg_notify($1, $2)', [CATALOGUE_CHANNEL, model.name]);
    await eventually(() => cache.resolve(model.name) === null);
  });

  it('reloads after the TTL even if no NOTIFY came', async () => {
    const cache = await startCache(db.sql, 100);
    const model = await insertModel(db.sql);
    await insertPrice(db.sql, model.id, Date.now() - 1_000, 5);
    await eventually(() => cache.resolve(model.name) !== null);
  });

  it('reloads when the LISTEN connection was lost and is back (notifications may have been missed)', async () => {
    let reconnected: (() => void) | undefined;
    const sql: SqlClient = {
      ...db.sql,
      query: (text, params) => db.sql.query(text, params),
      listen: async (_channel, _onPayload, onReconnect) => {
        reconnected = onReconnect;
        return () => Promise.resolve();
      },
    };
    const { logger, lines } = capturingLogger();
    const cache = await startCache(sql, 3_600_000, logger);
    const model = await insertModel(db.sql);
    await insertPrice(db.sql, model.id, Date.now() - 1_000, 5);
    expect(cache.resolve(model.name)).toBeNull();
    reconnected!();
    await eventually(() => cache.resolve(model.name) !== null);
    expect(lines.some((line) => line.includes('catalogue change notifications may have been missed'))).toBe(true);
  });

  it('keeps serving the catalogue it has when a reload fails', async () => {
    let down = false;
    const sql: SqlClient = {
      ...db.sql,
      query: (text, params) => (down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : db.sql.query(text, params)),
      listen: (channel, onPayload, onReconnect) => db.sql.listen(channel, onPayload, onReconnect),
    };
    const model = await insertModel(db.sql);
    await insertPrice(db.sql, model.id, Date.now() - 1_000, 5);
    const { logger, lines } = capturingLogger();
    const cache = await startCache(sql, 3_600_000, logger);
    down = true;
    await cache.reload();
    expect(cache.resolve(model.name)).not.toBeNull();
    expect(lines.some((line) => line.includes('catalogue reload failed'))).toBe(true);
  });
});
