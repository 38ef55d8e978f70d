// Migration 0010 on a database that already holds prices and costed calls: history keeps
// its meaning (each old price version prices a one-hour cache write as it priced every
// cache write; no old call gains one-hour writes), and new versions must name the price.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { insertAccountAndKey, makeEvents } from '../../data-plane/usage/helpers.js';
import { insertAsOfNow, useUnmigratedDatabase } from '../retention/fresh-database.js';

const database = useUnmigratedDatabase();

const PRICE_COLUMNS = 'input_micro_usd_per_m, cached_input_micro_usd_per_m, cache_write_micro_usd_per_m, output_micro_usd_per_m, reasoning_micro_usd_per_m';

describe('migration 0010: one-hour cache writes', () => {
  it('gives every existing price version its cache-write price as the one-hour price, and every existing call 0 one-hour writes', async () => {
    await database.db.orm.migrator.up({ to: '0009-upstream-credentials' });
    const modelId = randomUUID();
    await database.sql.query(
      `insert into catalogue_model (id, public_name, provider, upstream_model, capabilities, created_at, updated_at)
       values ($1, 'claude-old', 'anthropic', 'claude-old-1', '{chat}', now(), now())`,
      [modelId],
    );
    const versions = [randomUUID(), randomUUID()];
    for (const [i, id] of versions.entries()) {
      await database.sql.query(
        `insert into price_version (id, model_id, effective_from, ${PRICE_COLUMNS}, created_at)
         values ($1, $2, now() - interval '${2 - i} days', 3000000, 300000, $3, 15000000, 15000000, now())`,
        [id, modelId, 3_750_000 + i],
      );
    }
    const owner = await insertAccountAndKey(database.sql);
    const events = makeEvents(3, owner, 'claude-old').map((e) => ({ ...e, cacheWriteTokens: 40, priceVersionId: versions[0]! }));
    await insertAsOfNow(database.sql, events);
    const usageBefore = await database.sql.query(`select to_jsonb(u)::text as row from usage_event u order by request_id`);

    await database.db.orm.migrator.up();

    const prices = await database.sql.query<{ id: string; cw: string; cw1h: string }>(
      `select id::text as id, cache_write_micro_usd_per_m::text as cw, cache_write_1h_micro_usd_per_m::text as cw1h from price_version order by effective_from`,
    );
    expect(prices).toEqual([
      { id: versions[0], cw: '3750000', cw1h: '3750000' },
      { id: versions[1], cw: '3750001', cw1h: '3750001' },
    ]);
    const usageAfter = await database.sql.query<{ row: string }>(`select to_jsonb(u)::text as row from usage_event u order by request_id`);
    expect(usageAfter.map((r) => JSON.parse(r.row) as Record<string, unknown>)).toEqual(
      usageBefore.map((r) => ({ ...(JSON.parse((r as { row: string }).row) as Record<string, unknown>), cache_write_1h_tokens: 0 })),
    );

    // A new version must name its one-hour price, and a negative one is refused.
    await expect(
      database.sql.query(`insert into price_version (id, model_id, effective_from, ${PRICE_COLUMNS}, created_at) values ($1, $2, now(), 1, 1, 1, 1, 1, now())`, [randomUUID(), modelId]),
    ).rejects.toThrow(/cache_write_1h_micro_usd_per_m/);
    await expect(
      database.sql.query(
        `insert into price_version (id, model_id, effective_from, ${PRICE_COLUMNS}, cache_write_1h_micro_usd_per_m, created_at)
         values ($1, $2, now(), 1, 1, 1, 1, 1, -1, now())`,
        [randomUUID(), modelId],
      ),
    ).rejects.toThrow(/price_version_cache_write_1h_check/);
  });
});
