import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../../control-plane/config.js';
import { monthsBefore, runRetention, type RetentionCounts } from '../../../control-plane/modules/retention/retention.service.js';
import { createUsagePartition, monthStart, usagePartitionFor } from '../../../control-plane/modules/retention/usage-partitions.js';
import { buildUsageInsert } from '../../../data-plane/usage/insert.js';
import { newId } from '../../../shared/ids.js';
import type { SqlClient } from '../../../shared/sql.js';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { insertAccountAndKey, makeEvents } from '../../data-plane/usage/helpers.js';

const MONTHS = 12;
const NO_CHANGE: RetentionCounts = {
  usagePartitionsCreated: 0,
  usageRowsMovedOutOfDefault: 0,
  usagePartitionsDropped: 0,
  usageRowsDropped: 0,
  usageRowsDeleted: 0,
  securityEventsDeleted: 0,
  sessionsDeleted: 0,
  adminAuditEntriesDeleted: 0,
  jobRunsDeleted: 0,
};

let cp: TestControlPlane;
let sql: SqlClient;
beforeAll(async () => {
  cp = await startTestControlPlane();
  sql = cp.sqlClient();
});
afterAll(async () => {
  await sql?.close();
  await cp?.stop();
});

const ms = (d: Date, offset: number) => new Date(d.getTime() + offset);
const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

async function insertUsage(owner: { accountId: string; apiKeyId: string }, instants: Date[]): Promise<UsageEvent[]> {
  const events = makeEvents(instants.length, owner, 'retention-model').map((e, i) => ({ ...e, createdAt: instants[i]!.toISOString() }));
  const insert = buildUsageInsert(events);
  await sql.query(insert.text, insert.values);
  return events;
}

async function insertAccessLogs(accountId: string, instants: Date[]) {
  const made = { securityEvents: [] as string[], sessions: [] as string[], audit: [] as string[], jobRuns: [] as string[] };
  for (const at of instants) {
    const [s, e, a, j] = [newId(), newId(), newId(), newId()];
    await sql.query(`insert into security_event (id, account_id, type, created_at, ip) values ($1, $2, 'LOGIN_SUCCESS', $3, '198.51.100.7')`, [e, accountId, at.toISOString()]);
    await sql.query(
      `insert into session (id, account_id, token_hash, created_at, last_seen_at, expires_at, ip) values ($1, $2, $3, $4, $4, $5, '198.51.100.7')`,
      [s, accountId, randomBytes(32).toString('hex'), at.toISOString(), ms(at, 12 * 3_600_000).toISOString()],
    );
    await sql.query(`insert into admin_audit (id, admin_username, action, created_at) values ($1, 'root', 'accounts', $2)`, [a, at.toISOString()]);
    await sql.query(`insert into job_run (id, job, started_at, outcome) values ($1, 'test', $2, 'SUCCEEDED')`, [j, at.toISOString()]);
    made.securityEvents.push(e);
    made.sessions.push(s);
    made.audit.push(a);
    made.jobRuns.push(j);
  }
  return made;
}

async function remaining() {
  const q = (text: string) => sql.query<{ id: string }>(text);
  return {
    usage: ids(await q(`select request_id::text as id from usage_event`)),
    securityEvents: ids(await q(`select id::text as id from security_event`)),
    sessions: ids(await q(`select id::text as id from session`)),
    audit: ids(await q(`select id::text as id from admin_audit`)),
    jobRuns: ids(await q(`select id::text as id from job_run`)),
    accounts: ids(await q(`select id::text as id from account`)),
    apiKeys: ids(await q(`select id::text as id from api_key`)),
  };
}

const partitions = async () =>
  (await sql.query<{ id: string }>(`select c.relname as id from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'usage_event'::regclass`))
    .map((r) => r.id)
    .sort();

const placement = async (requestId: string) =>
  (await sql.query<{ part: string }>(`select tableoid::regclass::text as part from usage_event where request_id = $1`, [requestId]))[0]?.part;

describe('the retention job', () => {
  const now = new Date();
  const cutoff = monthsBefore(now, MONTHS);
  const cutoffMonth = monthStart(cutoff);
  let usage: Record<string, UsageEvent>;
  let logs: { old: Awaited<ReturnType<typeof insertAccessLogs>>; kept: Awaited<ReturnType<typeof insertAccessLogs>> };
  let before: Awaited<ReturnType<typeof remaining>>;
  let first: RetentionCounts;
  let second: RetentionCounts;
  let afterFirst: Awaited<ReturnType<typeof remaining>>;
  let partitionsAfterFirst: string[];

  beforeAll(async () => {
    const owner = await insertAccountAndKey(sql);
    // Old months get partitions as if the job had made them back then; month −4 has none (its rows wait in the default partition).
    for (const offset of [-2, -1, 0, 1]) await createUsagePartition(cp.db.fork(), monthStart(cutoff, offset));
    const at = {
      wholeMonthOld1: ms(monthStart(cutoff, -2), 86_400_000),
      wholeMonthOld2: ms(monthStart(cutoff, -2), 20 * 86_400_000),
      wholeMonthOld3: ms(monthStart(cutoff, -1), 3_600_000),
      justOlder: ms(cutoff, -1),
      exactlyTwelveMonths: cutoff,
      justYounger: ms(cutoff, 1),
      nextMonth: ms(monthStart(cutoff, 1), 86_400_000),
      strayOld: ms(monthStart(cutoff, -4), 86_400_000),
      lastMonthInDefault: ms(monthStart(now, -1), 2 * 86_400_000),
      recent: ms(now, -60_000),
      farFuture: ms(monthStart(now, 3), 86_400_000),
    };
    const names = Object.keys(at) as (keyof typeof at)[];
    const events = await insertUsage(owner, names.map((n) => at[n]));
    usage = Object.fromEntries(names.map((n, i) => [n, events[i]!]));
    logs = { old: await insertAccessLogs(owner.accountId, [ms(cutoff, -1), ms(cutoff, -200 * 86_400_000)]), kept: await insertAccessLogs(owner.accountId, [cutoff, ms(now, -1000)]) };
    expect(await placement(usage.strayOld!.requestId)).toBe('usage_event_default');
    expect(await placement(usage.lastMonthInDefault!.requestId)).toBe('usage_event_default');

    before = await remaining();
    first = await runRetention(cp.db.fork(), { retentionMonths: MONTHS, now });
    afterFirst = await remaining();
    partitionsAfterFirst = await partitions();
    second = await runRetention(cp.db.fork(), { retentionMonths: MONTHS, now });
  });

  const removedUsage = () => ['wholeMonthOld1', 'wholeMonthOld2', 'wholeMonthOld3', 'justOlder', 'strayOld'].map((n) => usage[n]!.requestId);

  it('§5 "Usage logs and billing records are retained for up to 12 months as required by law" — removes exactly the usage records older than 12 months (whole months by dropping their partitions, the month across the cutoff and strays row by row) and keeps every younger one', async () => {
    const removed = new Set(removedUsage());
    expect(afterFirst.usage).toEqual(before.usage.filter((id) => !removed.has(id)));
    expect(afterFirst.usage).toContain(usage.exactlyTwelveMonths!.requestId);
    expect(afterFirst.usage).toContain(usage.justYounger!.requestId);
    // Whole months went as partitions; the rest by a DELETE bounded to the cutoff month and the default partition.
    expect(partitionsAfterFirst).not.toContain(usagePartitionFor(monthStart(cutoff, -2)).name);
    expect(partitionsAfterFirst).not.toContain(usagePartitionFor(monthStart(cutoff, -1)).name);
    expect(partitionsAfterFirst).toContain(usagePartitionFor(cutoffMonth).name);
    expect(first).toMatchObject({ usagePartitionsDropped: 2, usageRowsDropped: 3, usageRowsDeleted: 2 });
  });

  it('§1 "access logs for security protection" and §5 "retained for up to 12 months" — removes exactly the security events, sessions, audit entries and job runs older than 12 months', () => {
    expect(afterFirst.securityEvents).toEqual(before.securityEvents.filter((id) => !logs.old.securityEvents.includes(id)));
    expect(afterFirst.sessions).toEqual(before.sessions.filter((id) => !logs.old.sessions.includes(id)));
    expect(afterFirst.audit).toEqual(before.audit.filter((id) => !logs.old.audit.includes(id)));
    expect(afterFirst.jobRuns).toEqual(before.jobRuns.filter((id) => !logs.old.jobRuns.includes(id)));
    expect(afterFirst.securityEvents).toEqual(expect.arrayContaining(logs.kept.securityEvents));
    expect(afterFirst.sessions).toEqual(expect.arrayContaining(logs.kept.sessions));
    expect(first).toMatchObject({ securityEventsDeleted: 2, sessionsDeleted: 2, adminAuditEntriesDeleted: 2, jobRunsDeleted: 2 });
    // Nothing else is touched: accounts and keys are another job's business.
    expect(afterFirst.accounts).toEqual(before.accounts);
    expect(afterFirst.apiKeys).toEqual(before.apiKeys);
  });

  it('is idempotent: run twice in a row, the second run removes nothing and changes nothing', async () => {
    expect(second).toEqual(NO_CHANGE);
    expect(await remaining()).toEqual(afterFirst);
    expect(await partitions()).toEqual(partitionsAfterFirst);
  });

  it('keeps a partition for this month and the next, and moves rows waiting in the default partition into their month when it gets one', async () => {
    expect(partitionsAfterFirst).toEqual(expect.arrayContaining([usagePartitionFor(monthStart(now)).name, usagePartitionFor(monthStart(now, 1)).name]));
    expect(await placement(usage.lastMonthInDefault!.requestId)).toBe(usagePartitionFor(monthStart(now, -1)).name);
    expect(first.usagePartitionsCreated).toBe(1);
    expect(first.usageRowsMovedOutOfDefault).toBe(1);
    // A month beyond the next gets no partition yet: its row waits, kept, in the default partition.
    expect(await placement(usage.farFuture!.requestId)).toBe('usage_event_default');
  });

  it('is safe to run on two instances at once: between them the work is done once, and neither fails', async () => {
    const owner = await insertAccountAndKey(sql);
    const later = monthStart(now, 2);
    const [old, kept] = await insertUsage(owner, [ms(cutoff, -5), ms(later, 3_600_000)]);
    // Two months on, months +2 and +3 need partitions (each has a row waiting in the default partition) and the cutoff moved on.
    const at = new Date(later.getTime() + 30 * 60_000);
    const runs = await Promise.all([0, 1].map(() => runRetention(cp.db.fork(), { retentionMonths: MONTHS, now: at })));
    const total = (key: keyof RetentionCounts) => runs[0]![key] + runs[1]![key];
    expect([total('usagePartitionsCreated'), total('usageRowsMovedOutOfDefault'), total('usagePartitionsDropped')]).toEqual([2, 2, 2]);
    expect(await placement(kept!.requestId)).toBe(usagePartitionFor(later).name);
    expect(await placement(usage.farFuture!.requestId)).toBe(usagePartitionFor(monthStart(now, 3)).name);
    expect(await placement(old!.requestId)).toBeUndefined();
    expect(await runRetention(cp.db.fork(), { retentionMonths: MONTHS, now: at })).toEqual(NO_CHANGE);
  });
});

describe('RETENTION_MONTHS', () => {
  it('§5 "retained for up to 12 months" — defaults to 12 and refuses anything longer, shorter than a month, or not a whole number', () => {
    expect(controlPlaneConfigFrom({ NODE_ENV: 'test' }).retention.months).toBe(12);
    expect(controlPlaneConfigFrom({ NODE_ENV: 'test', RETENTION_MONTHS: '6' }).retention.months).toBe(6);
    for (const bad of ['13', '0', '-1', '1.5', 'twelve']) {
      expect(() => controlPlaneConfigFrom({ NODE_ENV: 'test', RETENTION_MONTHS: bad }), bad).toThrow(/RETENTION_MONTHS/);
    }
  });

  it('counts calendar months in UTC, a missing day becoming the end of the month', () => {
    expect(monthsBefore(new Date('2026-03-31T10:00:00.000Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(monthsBefore(new Date('2028-02-29T23:59:59.999Z'), 12).toISOString()).toBe('2027-02-28T23:59:59.999Z');
    expect(monthsBefore(new Date('2026-01-15T00:00:00.000Z'), 12).toISOString()).toBe('2025-01-15T00:00:00.000Z');
  });
});
