// The usage INSERT itself, on the real database (PGlite by default, PostgreSQL with
// TEST_DATABASE_URL): one array per column, unnested. Both drivers serialize the JS
// arrays themselves, so what they send must read back exactly, whatever a client puts
// in its user agent.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildUsageInsert, insertIsolating, MAX_ROWS_PER_INSERT } from '../../../data-plane/usage/insert.js';
import { USAGE_EVENT_COLUMNS, type UsageEvent } from '../../../shared/usage-event.js';
import { useWriterFixture } from './fixture.js';
import { makeEvents, readEvents, sortById } from './helpers.js';

const f = useWriterFixture();

const NASTY_USER_AGENTS = [
  'quote " inside',
  '"',
  'back\\slash \\\\ and \\"escaped\\" quote',
  '\\',
  'comma, separated, list',
  '{}',
  '{"json": [1, 2], "nested": {"a": null}}',
  '{a,b}',
  'NULL',
  'null',
  '',
  ' ',
  '  padded both sides  ',
  "single ' quote",
  'tab\tnew\nline\rreturn',
  'Ünïcödé 日本語 Ελληνικά עברית',
  'emoji 🚀 family 👨‍👩‍👧 flag 🇫🇷',
  '$1 $$ dollar',
  '(1,2) (row) ',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  // The longest the column takes: 512 characters, with every special character in it.
  'x"\\,{}NULL 🚀'.repeat(64).slice(0, 512),
  '€'.repeat(512),
];

const CLIENT_IPS = [
  '2001:db8::1',
  '::1',
  '::',
  '::ffff:192.0.2.1',
  'fe80::1%eth0',
  '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  '0000:0000:0000:0000:0000:ffff:255.255.255.255',
  '203.0.113.9',
];

const MAX_COST = '9223372036854775807';

describe('usage insert: one array per column', () => {
  it('has 20 parameters for one row and for the 5,000-row cap, and refuses 0 or 5,001 rows', () => {
    const m = f.model();
    const one = buildUsageInsert(makeEvents(1, f.owner, m));
    const full = buildUsageInsert(makeEvents(MAX_ROWS_PER_INSERT, f.owner, m));
    expect(one.text).toBe(full.text);
    expect(one.text).toMatch(/^INSERT INTO usage_event \(.+\) SELECT \* FROM unnest\(.+\) AS t\(.+\) ON CONFLICT \(request_id, created_at\) DO NOTHING$/);
    expect(one.values).toHaveLength(USAGE_EVENT_COLUMNS.length);
    expect(full.values).toHaveLength(USAGE_EVENT_COLUMNS.length);
    for (const array of full.values) expect(array).toHaveLength(MAX_ROWS_PER_INSERT);
    expect(() => buildUsageInsert([])).toThrow(RangeError);
    expect(() => buildUsageInsert(makeEvents(MAX_ROWS_PER_INSERT + 1, f.owner, m))).toThrow(RangeError);
  });

  it('types each array as its column (varchar as text, so the column still checks the length)', async () => {
    const { text } = buildUsageInsert(makeEvents(1, f.owner, f.model()));
    const casts = [...text.matchAll(/\$(\d+)::(\w+)\[\]/g)].map((m) => ({ position: Number(m[1]), type: m[2] ?? '' }));
    expect(casts.map((c) => c.position)).toEqual(USAGE_EVENT_COLUMNS.map((_, i) => i + 1));
    const columns = await f.sql.query<{ name: string; type: string }>(
      `select attname as name, format_type(atttypid, null) as type from pg_attribute
        where attrelid = 'usage_event'::regclass and attnum > 0 and not attisdropped`,
    );
    const columnType = new Map(columns.map((c) => [c.name, c.type === 'character varying' ? 'text' : c.type]));
    const arrayTypes = await f.sql.query<{ type: string }>(
      `select format_type(to_regtype(name), null) as type from unnest($1::text[]) with ordinality as t(name, n) order by n`,
      [casts.map((c) => c.type)],
    );
    expect(arrayTypes.map((a) => a.type)).toEqual(USAGE_EVENT_COLUMNS.map((c) => columnType.get(c)));
    expect(columns).toHaveLength(USAGE_EVENT_COLUMNS.length);
  });
});

describe('usage insert: values read back exactly', () => {
  it('round-trips quotes, backslashes, commas, braces, "NULL", unicode and the longest user agent, null ttft, the largest cost and IPv6 addresses', async () => {
    const m = f.model();
    const base = makeEvents(NASTY_USER_AGENTS.length + 4, f.owner, m);
    const events: UsageEvent[] = base.map((e, i) => ({
      ...e,
      userAgent: NASTY_USER_AGENTS[i] ?? null,
      clientIp: i === NASTY_USER_AGENTS.length ? null : (CLIENT_IPS[i % CLIENT_IPS.length] ?? null),
      ttftMs: i % 3 === 0 ? null : i,
      costPicoUsd: i % 2 === 0 ? MAX_COST : '0',
      usageEstimated: i % 2 === 1,
    }));
    expect(NASTY_USER_AGENTS.at(-2)).toHaveLength(512);

    const outcome = await insertIsolating(f.sql, events, 30_000);
    expect(outcome).toEqual({ inserted: events.length, rejected: [], remaining: [] });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));

    // Byte for byte, not just equal after the driver's own parsing.
    const raw = await f.sql.query<{ id: string; hex: string | null }>(
      `select request_id::text as id, encode(convert_to(user_agent, 'UTF8'), 'hex') as hex from usage_event where model = $1`,
      [m],
    );
    const hex = new Map(raw.map((r) => [r.id, r.hex]));
    for (const e of events) {
      expect(hex.get(e.requestId), JSON.stringify(e.userAgent)).toBe(e.userAgent === null ? null : Buffer.from(e.userAgent).toString('hex'));
    }
  });

  it('writes a row once when the batch carries it twice or it already exists', async () => {
    const m = f.model();
    const events = makeEvents(6, f.owner, m);
    const first = await insertIsolating(f.sql, [...events, ...events.slice(0, 3)], 30_000);
    expect(first).toEqual({ inserted: 9, rejected: [], remaining: [] });
    const again = await insertIsolating(f.sql, events, 30_000);
    expect(again).toEqual({ inserted: 6, rejected: [], remaining: [] });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
  });
});

describe('usage insert: bad rows are isolated', () => {
  it('rejects each bad row with its SQLSTATE (or MALFORMED) and writes all the others', async () => {
    const m = f.model();
    const good = makeEvents(40, f.owner, m);
    const [a, b, c, d, e, g, h, i, j] = makeEvents(9, f.owner, m);
    const bad: [UsageEvent, string][] = [
      [{ ...a!, model: `${m}-${'m'.repeat(200)}` }, '22001'], // longer than varchar(128)
      [{ ...b!, apiKeyId: randomUUID() }, '23503'], // a key that does not exist
      [{ ...c!, requestId: 'not-a-uuid' }, '22P02'],
      [{ ...d!, httpStatus: 99_999 }, '22003'], // past smallint
      [{ ...e!, provider: null as unknown as string }, '23502'],
      [{ ...g!, userAgent: 'nul \u0000 byte' }, '22021'], // PostgreSQL text cannot hold NUL
      // Corrupted spool lines: a type the drivers would each turn into text differently.
      [{ ...h!, usageEstimated: 'maybe' as unknown as boolean }, 'MALFORMED'],
      [{ ...i!, userAgent: { a: 1 } as unknown as string }, 'MALFORMED'],
      [{ ...j!, createdAt: Date.now() as unknown as string }, 'MALFORMED'],
    ];
    // Spread through the batch, so bisection has to find each one.
    const batch = good.flatMap((event, n) => (n % 4 === 0 && bad[n / 4] ? [bad[n / 4]![0], event] : [event]));
    expect(batch).toHaveLength(good.length + bad.length);

    const outcome = await insertIsolating(f.sql, batch, 30_000);
    expect(outcome.error).toBeUndefined();
    expect(outcome.remaining).toEqual([]);
    expect(outcome.inserted).toBe(good.length);
    expect(outcome.rejected.map((r) => [r.event.requestId, r.code]).sort()).toEqual(bad.map(([event, code]) => [event.requestId, code]).sort());
    expect(await readEvents(f.sql, m)).toEqual(sortById(good));
  });
});
