import { describe, expect, it } from 'vitest';
import { migrationsList } from '../../../control-plane/db/migrations/index.js';
import { buildUsageInsert } from '../../../data-plane/usage/insert.js';
import type { SqlClient } from '../../../shared/sql.js';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { insertAccountAndKey, makeEvents } from '../../data-plane/usage/helpers.js';
import { insertAsOfNow, useUnmigratedDatabase } from './fresh-database.js';

const MIGRATION = '0008-retention-audit';

const database = useUnmigratedDatabase();

/** Everything about the table a rebuild could lose, in a comparable form. */
async function structure(client: SqlClient) {
  const one = async (text: string) => (await client.query(text)).map((row) => JSON.stringify(row));
  return {
    columns: await one(`select column_name, data_type, is_nullable, column_default, ordinal_position
      from information_schema.columns where table_schema = current_schema() and table_name = 'usage_event' order by ordinal_position`),
    constraints: await one(`select conname, contype, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'usage_event'::regclass order by conname`),
    // A partitioned table's index reads "ON ONLY usage_event"; the index is the same.
    indexes: (await client.query<{ indexname: string; indexdef: string }>(`select indexname, indexdef from pg_indexes
      where schemaname = current_schema() and tablename = 'usage_event' and indexname <> 'usage_event_created_at_brin_index' order by indexname`))
      .map((r) => `${r.indexname}: ${r.indexdef.replace(' ON ONLY ', ' ON ')}`),
    triggers: await one(`select tgname, pg_get_triggerdef(oid) as def from pg_trigger where tgrelid = 'usage_event'::regclass and not tgisinternal order by tgname`),
    inbound: await one(`select conname, conrelid::regclass::text as tbl, pg_get_constraintdef(oid) as def from pg_constraint
      where confrelid = 'usage_event'::regclass and conrelid <> 'usage_event'::regclass and conparentid = 0 order by conname`),
    comments: await one(`select obj_description('usage_event'::regclass, 'pg_class') as tbl,
      col_description('usage_event'::regclass, (select attnum from pg_attribute where attrelid = 'usage_event'::regclass and attname = 'test_note')) as col`),
    grants: await one(`select relacl::text from pg_class where oid = 'usage_event'::regclass`),
  };
}

const rowsOf = async (client: SqlClient) =>
  (await client.query<{ row: string }>(`select to_jsonb(u)::text as row from usage_event u order by request_id`)).map((r) => r.row);

const monthStart = (offset: number) => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1);
};

describe('migration 0008 partitions usage_event by month', () => {
  it('§5 "Usage logs and billing records are retained for up to 12 months" — rebuilds the table partitioned by month, keeping every row, column, constraint, index, trigger, grant, comment and foreign key (both ways) it had', async () => {
    const before = migrationsList[migrationsList.findIndex((m) => m.name === MIGRATION) - 1]!.name;
    await database.db.orm.migrator.up({ to: before });

    // Stand-ins for whatever later migrations may add before this one runs: this one names none of them.
    for (const statement of [
      `alter table usage_event add column test_note text default 'n/a' constraint usage_event_test_note_check check (length(test_note) < 100)`,
      `create index usage_event_test_note_index on usage_event (test_note) where test_note <> 'n/a'`,
      `comment on table usage_event is 'one model call'`,
      `comment on column usage_event.test_note is 'a note'`,
      `grant select on usage_event to public`,
      `create function usage_event_test_note() returns trigger language plpgsql as $f$ begin new.test_note := 'by trigger'; return new; end $f$`,
      `create trigger usage_event_test_note_trigger before insert on usage_event for each row execute function usage_event_test_note()`,
      `create table usage_event_test_ref (request_id uuid not null, created_at timestamptz not null,
        constraint usage_event_test_ref_usage_event_foreign foreign key (request_id, created_at) references usage_event (request_id, created_at) on delete cascade)`,
    ]) {
      await database.sql.query(statement);
    }

    const owner = await insertAccountAndKey(database.sql);
    const at = (month: number, day: number) => new Date(monthStart(month) + day * 86_400_000 + 3_600_000).toISOString();
    // 14 and 1 months ago, this month, next month, and 3 months ahead (no partition: the default one).
    const instants = [at(-14, 2), at(-14, 20), at(-1, 0), at(0, 0), at(0, 1), at(1, 5), at(3, 9)];
    const events: UsageEvent[] = makeEvents(instants.length, owner, 'migration-model').map((e, i) => ({ ...e, createdAt: instants[i]! }));
    await insertAsOfNow(database.sql, events);
    await database.sql.query(`insert into usage_event_test_ref select request_id, created_at from usage_event where created_at < now()`);

    const shapeBefore = await structure(database.sql);
    const rowsBefore = await rowsOf(database.sql);
    expect(rowsBefore).toHaveLength(7);
    expect(shapeBefore.triggers).toHaveLength(1);

    await database.db.orm.migrator.up({ to: MIGRATION });

    expect(await structure(database.sql)).toEqual(shapeBefore);
    expect(await rowsOf(database.sql)).toEqual(rowsBefore);
    const [{ kind } = { kind: '' }] = await database.sql.query<{ kind: string }>(`select relkind::text as kind from pg_class where oid = 'usage_event'::regclass`);
    expect(kind).toBe('p');

    const name = (offset: number) => {
      const d = new Date(monthStart(offset));
      return `usage_event_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    const placement = await database.sql.query<{ request_id: string; part: string }>(
      `select request_id::text as request_id, tableoid::regclass::text as part from usage_event`,
    );
    const where = new Map(placement.map((r) => [r.request_id, r.part]));
    expect(events.map((e) => where.get(e.requestId))).toEqual([name(-14), name(-14), name(-1), name(0), name(0), name(1), 'usage_event_default']);
    const partitions = await database.sql.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'usage_event'::regclass order by 1`,
    );
    expect(partitions.map((p) => p.name)).toEqual([name(-14), name(-1), name(0), name(1), 'usage_event_default'].sort());

    // The data-plane's own idempotent insert, once every later migration ran: a replay writes
    // nothing twice, a new event lands in its month.
    await database.db.orm.migrator.up();
    const [fresh] = makeEvents(1, owner, 'migration-model').map((e) => ({ ...e, createdAt: new Date().toISOString() }));
    const again = buildUsageInsert([...events, fresh!]);
    await database.sql.query(again.text, again.values);
    expect(await database.sql.query(`select 1 from usage_event`)).toHaveLength(8);
    // The inbound foreign key still holds: deleting a usage row cascades to what references it.
    await database.sql.query(`delete from usage_event where request_id = $1`, [events[0]!.requestId]);
    expect(await database.sql.query(`select 1 from usage_event_test_ref where request_id = $1`, [events[0]!.requestId])).toHaveLength(0);
    expect(await database.sql.query(`select test_note from usage_event where request_id = $1`, [fresh!.requestId])).toEqual([{ test_note: 'by trigger' }]);
  });
});
