import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { buildUsageInsert } from '../../../data-plane/usage/insert.js';
import type { SqlClient } from '../../../shared/sql.js';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { insertAccountAndKey, makeEvents } from '../../data-plane/usage/helpers.js';

const STATISTICS = `query($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, $groupBy: UsageStatisticsGroupBy) {
  usageStatistics(from: $from, to: $to, granularity: $granularity, groupBy: $groupBy) {
    start end model provider requests inputTokens cachedInputTokens outputTokens reasoningTokens } }`;
const RESTRICT = `mutation($r: Boolean!) { processingRestrictionSet(restricted: $r) { userErrors { code } } }`;

type Dimension = 'NONE' | 'MODEL' | 'PROVIDER';
const H = 3_600_000;
const D = 24 * H;

let cp: TestControlPlane;
let sql: SqlClient;
let admin: GraphQLClient;
let carol: GraphQLClient;
let counted: UsageEvent[];
let restricted: UsageEvent[];
const base = Date.UTC(2026, 0, 30, 22);

/** The account id behind a global id. */
const dbId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1]!;

/** Calls of one account straddling an hour, a day and a month boundary, on two models of two providers. */
function calls(owner: { accountId: string; apiKeyId: string }, scale: number): UsageEvent[] {
  const offsets = [0, 30 * 60_000, H + 1, 2 * H, 26 * H, 2 * D + 5 * H, 3 * D];
  return makeEvents(offsets.length, owner, 'x').map((e, i) => ({
    ...e,
    createdAt: new Date(base + offsets[i]!).toISOString(),
    model: i % 2 === 0 ? 'gpt-4o' : 'claude-sonnet-4',
    provider: i % 2 === 0 ? 'openai' : 'anthropic',
    inputTokens: scale * (i + 1),
    cachedInputTokens: i,
    outputTokens: scale * 10 + i,
    reasoningTokens: i % 3,
  }));
}

/** What the statistics must say: the sums per UTC bucket and group, computed apart from the server. */
function expected(events: UsageEvent[], granularity: 'HOUR' | 'DAY' | 'MONTH', groupBy: Dimension) {
  const sums = new Map<string, Record<string, unknown> & { requests: number; inputTokens: number; cachedInputTokens: number; outputTokens: number; reasoningTokens: number }>();
  for (const e of events) {
    const iso = e.createdAt;
    const start = granularity === 'HOUR' ? `${iso.slice(0, 13)}:00:00.000Z` : granularity === 'DAY' ? `${iso.slice(0, 10)}T00:00:00.000Z` : `${iso.slice(0, 7)}-01T00:00:00.000Z`;
    const s = new Date(start);
    const end = granularity === 'HOUR' ? new Date(s.getTime() + H) : granularity === 'DAY' ? new Date(s.getTime() + D) : new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1));
    const model = groupBy === 'MODEL' ? e.model : null;
    const provider = groupBy === 'PROVIDER' ? e.provider : null;
    const key = `${start}|${model ?? provider ?? ''}`;
    const sum = sums.get(key) ?? { start, end: end.toISOString(), model, provider, requests: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 };
    sum.requests += 1;
    sum.inputTokens += e.inputTokens;
    sum.cachedInputTokens += e.cachedInputTokens;
    sum.outputTokens += e.outputTokens;
    sum.reasoningTokens += e.reasoningTokens;
    sums.set(key, sum);
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

async function statistics(client: GraphQLClient, granularity: string, groupBy: Dimension) {
  return client.request(STATISTICS, { from: new Date(base - D).toISOString(), to: new Date(base + 5 * D).toISOString(), granularity, groupBy });
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  sql = cp.sqlClient();
  admin = cp.client();
  const adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(cp.db.fork(), adminUser.username);
  carol = cp.client();
  const carolUser = await signUpAndLogIn(carol);

  const alice = await insertAccountAndKey(sql);
  const bob = await insertAccountAndKey(sql);
  const [carolKey] = await sql.query<{ id: string }>(
    `insert into api_key (id, account_id, name, key_id, secret_hash, display_prefix, last_four, created_at)
     values (gen_random_uuid(), $1, 'carol', 'carolkeyid000001', $2, 'tb_test_', 'abcd', now()) returning id::text as id`,
    [dbId(carolUser.id), 'e'.repeat(64)],
  );
  const unlinked = calls(alice, 7).slice(0, 2).map((e) => ({ ...e, requestId: crypto.randomUUID() }));
  counted = [...calls(alice, 100), ...calls(bob, 1000), ...unlinked];
  restricted = calls({ accountId: dbId(carolUser.id), apiKeyId: carolKey!.id }, 1_000_000);
  const insert = buildUsageInsert([...counted, ...restricted]);
  await sql.query(insert.text, insert.values);
  // Calls whose account was deleted and pseudonymised: linked to no one, still service usage.
  await sql.query(`update usage_event set account_id = null, api_key_id = null where request_id = any($1::uuid[])`, [unlinked.map((e) => e.requestId)]);
  expect((await carol.data(RESTRICT, { r: true })).processingRestrictionSet.userErrors).toEqual([]);
});
afterAll(async () => {
  await sql?.close();
  await cp?.stop();
});

describe('usageStatistics', () => {
  it('§2 "Generating aggregate statistics to improve service quality" — admins get requests and tokens summed exactly over every account, per UTC hour, day and month, by model and by provider', async () => {
    for (const [granularity, groupBy] of [['HOUR', 'NONE'], ['DAY', 'MODEL'], ['MONTH', 'PROVIDER']] as const) {
      const result = await statistics(admin, granularity, groupBy);
      expect(result.errors, `${granularity}/${groupBy}`).toBeUndefined();
      expect(result.data?.usageStatistics, `${granularity}/${groupBy}`).toEqual(expected(counted, granularity, groupBy));
    }
  });

  it('§6 "Restrict Processing: Limit our processing of your data in certain circumstances" — an account that restricted processing is left out of the statistics, and counts again once it ends the restriction', async () => {
    const [total] = (await statistics(admin, 'MONTH', 'NONE')).data!.usageStatistics as { requests: number; inputTokens: number }[];
    // Carol's calls carry a million tokens each: any of them would show.
    expect(total!.inputTokens).toBeLessThan(1_000_000);
    expect((await statistics(admin, 'DAY', 'NONE')).data!.usageStatistics).toEqual(expected(counted, 'DAY', 'NONE'));

    await carol.data(RESTRICT, { r: false });
    expect((await statistics(admin, 'DAY', 'NONE')).data!.usageStatistics).toEqual(expected([...counted, ...restricted], 'DAY', 'NONE'));
    await carol.data(RESTRICT, { r: true });
    expect((await statistics(admin, 'DAY', 'NONE')).data!.usageStatistics).toEqual(expected(counted, 'DAY', 'NONE'));
  });

  it('§4 "Role-based access controls" — a user may not read the statistics', async () => {
    const denied = await statistics(carol, 'DAY', 'NONE');
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('checks the range as `usage` does: `to` after `from`, at most 1000 buckets', async () => {
    const backwards = await admin.request(STATISTICS, { from: new Date(base).toISOString(), to: new Date(base - H).toISOString(), granularity: 'DAY' });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    const tooLong = await admin.request(STATISTICS, { from: new Date(base).toISOString(), to: new Date(base + 1001 * H).toISOString(), granularity: 'HOUR' });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
  });
});
