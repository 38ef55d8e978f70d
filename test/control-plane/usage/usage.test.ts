import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { newId } from '../../../shared/ids.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import {
  BUCKET_FIELDS,
  D,
  expectedBuckets,
  H,
  insertRows,
  newParty,
  otherRows,
  sampleRows,
  thisMonth,
  useSessionTimeZone,
  type Granularity,
  type GroupBy,
  type Party,
  type UsageRow,
} from './fixture.js';

const USAGE = `query($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, $groupBy: UsageGroupBy, $account: ID) {
  usage(from: $from, to: $to, granularity: $granularity, groupBy: $groupBy, account: $account) { ${BUCKET_FIELDS} } }`;

let cp: TestControlPlane;
let t: Date;
let alice: Party;
let bob: Party;
let aliceRows: UsageRow[];
let bobRows: UsageRow[];

beforeAll(async () => {
  cp = await startTestControlPlane();
  await useSessionTimeZone(cp, 'Pacific/Chatham');
  t = thisMonth();
  alice = await newParty(cp, ['alpha', 'beta']);
  bob = await newParty(cp, ['bob key']);
  aliceRows = sampleRows(t, alice);
  bobRows = otherRows(t, bob);
  await insertRows(cp, [...aliceRows, ...bobRows]);
});
afterAll(() => cp?.stop());

const iso = (ms: number) => new Date(ms).toISOString();
const at = (row: UsageRow) => new Date(row.createdAt).getTime();

async function usage(party: Party, granularity: Granularity, groupBy: GroupBy, from: number, to: number, account?: string) {
  return (await party.client.data(USAGE, { from: iso(from), to: iso(to), granularity, groupBy, account })).usage;
}

describe('usage totals', () => {
  it('per UTC hour are exactly the sums of the rows, ordered by start, with only the buckets that have calls', async () => {
    const from = t.getTime() - 2 * H;
    const to = t.getTime() + 3 * D;
    const buckets = await usage(alice, 'HOUR', 'NONE', from, to);
    expect(buckets).toEqual(expectedBuckets(aliceRows, 'HOUR', 'NONE', new Date(from), new Date(to)));
    // 23:30 and 23:59:59.999 fall in the last hour of the previous month; midnight opens the next bucket.
    const lastHour = buckets.find((b: { start: string }) => b.start === iso(t.getTime() - H));
    expect(lastHour).toMatchObject({ end: t.toISOString(), requests: 2 });
    expect(buckets.find((b: { start: string }) => b.start === t.toISOString())).toMatchObject({ end: iso(t.getTime() + H), requests: 3 });
    expect(buckets.some((b: { start: string }) => b.start === iso(t.getTime() + H))).toBe(false);
  });

  it('carries counts past 32 bits exactly (SafeInt, not Int)', async () => {
    const buckets = await usage(alice, 'HOUR', 'NONE', t.getTime() + 5 * H, t.getTime() + 6 * H);
    expect(buckets).toHaveLength(1);
    expect(buckets[0].inputTokens).toBe(3_000_000_000);
  });

  it('per UTC day split by model, and per calendar month split by provider', async () => {
    const from = t.getTime() - 40 * D;
    const to = t.getTime() + 3 * D;
    const byDay = await usage(alice, 'DAY', 'MODEL', from, to);
    expect(byDay).toEqual(expectedBuckets(aliceRows, 'DAY', 'MODEL', new Date(from), new Date(to)));
    expect(new Set(byDay.map((b: { model: string }) => b.model))).toEqual(new Set(['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4']));

    const monthFrom = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 2, 1);
    const monthTo = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1);
    const byMonth = await usage(alice, 'MONTH', 'PROVIDER', monthFrom, monthTo);
    expect(byMonth).toEqual(expectedBuckets(aliceRows, 'MONTH', 'PROVIDER', new Date(monthFrom), new Date(monthTo)));
    const previousMonth = byMonth.filter((b: { end: string }) => b.end === t.toISOString());
    // The previous month ends with the call at 23:59:59.999 UTC on its last day.
    expect(previousMonth.reduce((sum: number, b: { requests: number }) => sum + b.requests, 0)).toBe(
      aliceRows.filter((r) => at(r) < t.getTime() && at(r) >= Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 1, 1)).length,
    );
  });

  it('split by API key resolves each key; calls whose key is gone form a group with apiKey null', async () => {
    const KEYED = `query($from: DateTime!, $to: DateTime!) {
      usage(from: $from, to: $to, granularity: MONTH, groupBy: API_KEY) { start apiKey { id name } requests inputTokens } }`;
    const { usage: buckets } = await alice.client.data(KEYED, { from: t.toISOString(), to: iso(t.getTime() + 1) });
    const inMonth = aliceRows.filter((r) => at(r) >= t.getTime() && at(r) < Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
    const expected = [...alice.keys.map((k) => ({ apiKey: { id: k.id, name: k.name }, rows: inMonth.filter((r) => r.apiKeyId === k.dbId) })), { apiKey: null, rows: inMonth.filter((r) => !r.apiKeyId) }];
    expect(buckets).toEqual(
      expected.map((e) => ({
        start: t.toISOString(),
        apiKey: e.apiKey,
        requests: e.rows.length,
        inputTokens: e.rows.reduce((sum, r) => sum + r.inputTokens, 0),
      })),
    );
  });

  it('rounds `from` down and `to` up to whole buckets', async () => {
    const buckets = await usage(alice, 'HOUR', 'NONE', t.getTime() - 90 * 60_000, t.getTime() + 15 * 60_000);
    expect(buckets).toEqual(expectedBuckets(aliceRows, 'HOUR', 'NONE', new Date(t.getTime() - 2 * H), new Date(t.getTime() + H)));
    expect(buckets.map((b: { start: string }) => b.start)).toEqual([iso(t.getTime() - 2 * H), iso(t.getTime() - H), t.toISOString()]);
  });

  it('refuses an empty or reversed range and more than 1,000 buckets with BAD_USER_INPUT', async () => {
    const from = t.getTime();
    for (const [granularity, to] of [
      ['HOUR', from],
      ['DAY', from - D],
      ['HOUR', from + 1001 * H],
      ['DAY', from + 1001 * D],
      ['MONTH', Date.UTC(t.getUTCFullYear() + 84, t.getUTCMonth(), 1)],
    ] as const) {
      const result = await alice.client.request(USAGE, { from: iso(from), to: iso(to), granularity });
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await usage(alice, 'HOUR', 'NONE', from, from + 1000 * H)).toEqual(expect.any(Array));
    const before1970 = await alice.client.request(USAGE, { from: '1969-12-31T00:00:00Z', to: t.toISOString(), granularity: 'MONTH' });
    expect(before1970.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
  });

  it('refuses an answer of more than 10,000 rows (buckets × groups) with BAD_USER_INPUT', async () => {
    const busy = await newParty(cp);
    const from = t.getTime() - 1000 * H;
    // 910 hours × 11 models: 10,010 groups, each with one call.
    await cp.db.fork().getConnection().execute(
      `insert into usage_event (request_id, created_at, account_id, provider, model, status, http_status, latency_ms)
       select gen_random_uuid(), ?::timestamptz + h * interval '1 hour', ?::uuid, 'openai', 'model-' || m, 'SUCCESS', 200, 1
       from generate_series(0, 909) h, generate_series(1, 11) m`,
      [iso(from), busy.accountId],
    );
    const result = await busy.client.request(USAGE, { from: iso(from), to: iso(from + 1000 * H), granularity: 'HOUR', groupBy: 'MODEL' });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const perHour = await usage(busy, 'HOUR', 'NONE', from, from + 1000 * H);
    expect(perHour).toHaveLength(910);
    expect(perHour.every((b: { requests: number }) => b.requests === 11)).toBe(true);
  });

  it('requires a session', async () => {
    const result = await cp.client().request(USAGE, { from: t.toISOString(), to: iso(t.getTime() + H), granularity: 'HOUR' });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a sum that a SafeInt cannot carry instead of rounding it', async () => {
    const eve = await newParty(cp);
    const row = { ...sampleRows(t, eve)[4]!, apiKeyId: null, apiKey: null, inputTokens: 2 ** 52 };
    await insertRows(cp, [row, { ...row, requestId: newId() }]);
    const result = await eve.client.request(USAGE, { from: t.toISOString(), to: iso(t.getTime() + H), granularity: 'HOUR' });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('whose usage', () => {
  const from = () => t.getTime() - 40 * D;
  const to = () => t.getTime() + 3 * D;

  it("a user never sees another account's calls", async () => {
    const byModel = await usage(alice, 'DAY', 'MODEL', from(), to());
    expect(byModel.map((b: { model: string }) => b.model)).not.toContain('bob-only-model');
    expect(await usage(bob, 'DAY', 'MODEL', from(), to())).toEqual(expectedBuckets(bobRows, 'DAY', 'MODEL', new Date(from()), new Date(to())));
  });

  it('a user may name their own account, and is FORBIDDEN to name another (existing or not)', async () => {
    expect(await usage(alice, 'DAY', 'NONE', from(), to(), alice.id)).toEqual(await usage(alice, 'DAY', 'NONE', from(), to()));
    const missing = Buffer.from(`Account:${newId()}`).toString('base64url');
    for (const account of [bob.id, missing]) {
      const result = await alice.client.request(USAGE, { from: iso(from()), to: iso(to()), granularity: 'DAY', account });
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const malformed = await alice.client.request(USAGE, { from: iso(from()), to: iso(to()), granularity: 'DAY', account: alice.keys[0]!.id });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'account' });
  });

  it("an admin gets any account's usage; an unknown account is BAD_USER_INPUT", async () => {
    const admin = await newParty(cp);
    await promoteToAdmin(cp.db.fork(), admin.username);
    for (const groupBy of ['NONE', 'MODEL', 'API_KEY'] as const) {
      expect(await usage(admin, 'DAY', groupBy, from(), to(), bob.id)).toEqual(expectedBuckets(bobRows, 'DAY', groupBy, new Date(from()), new Date(to())));
    }
    const missing = Buffer.from(`Account:${newId()}`).toString('base64url');
    const result = await admin.client.request(USAGE, { from: iso(from()), to: iso(to()), granularity: 'DAY', account: missing });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'account' });
  });
});
