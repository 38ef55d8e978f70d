import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../../control-plane/config.js';
import { openDatabase, type Em } from '../../../control-plane/db/orm.js';
import { jobs } from '../../../control-plane/jobs/index.js';
import { purgeDeletedAccounts, purgePlan } from '../../../control-plane/modules/deletion/purge.service.js';
import { DeletionAction, tableLocations, type TableLocation } from '../../../control-plane/modules/privacy/data-map.js';
import { newId } from '../../../shared/ids.js';
import { createLogger } from '../../../shared/logger.js';
import { createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { ME } from '../../helpers/graphql-client.js';
import { TEST_API_KEY_PEPPER } from '../../helpers/test-env.js';
import { accountRow, dbId, DELETION_REQUEST, logIn, newPerson, type Person } from './account-rights.fixture.js';

const PURGED = '§5 "Account information is purged within 30 days of account deletion"';
const DAY = 86_400_000;
const logger = createLogger({ level: 'silent', name: 'test' });

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane({ TRUST_PROXY: 'true' });
});
afterAll(() => cp?.stop());

interface Subject extends Person {
  ip: string;
  userAgent: string;
  keyIds: string[];
  requestIds: string[];
}

let seq = 0;
/** An account with two sessions, two keys (so notifications and emails), security events and usage records. */
async function subject(): Promise<Subject> {
  seq += 1;
  const ip = `198.51.100.${seq}`;
  const userAgent = `agent-${newId()}`;
  const person = await newPerson(cp, { 'x-forwarded-for': ip, 'user-agent': userAgent });
  const keys = [await createKey(person.client, { name: `first of ${person.username}` }), await createKey(person.client, { name: 'second' })];
  const keyIds = keys.map((k) => dbId(k.id));
  const requestIds = [newId(), newId(), newId()];
  const rows = requestIds.map((id, i) => [id, new Date(Date.now() - i * 3_600_000).toISOString(), person.accountId, keyIds[i % 2], 100 + i, 10 + i, ip, userAgent]);
  await cp.db.fork().execute(
    `insert into usage_event (request_id, created_at, account_id, api_key_id, provider, model, input_tokens, output_tokens, status, http_status, latency_ms, client_ip, user_agent)
     values ${rows.map(() => `(?, ?, ?, ?, 'openai', 'gpt-4o-mini', ?, ?, 'SUCCESS', 200, 120, ?, ?)`).join(', ')}`,
    rows.flat(),
  );
  return { ...person, ip, userAgent, keyIds, requestIds };
}

async function requestDeletion(person: Person): Promise<Date> {
  const { accountDeletionRequest } = await person.client.data(DELETION_REQUEST, { input: { password: person.password } });
  expect(accountDeletionRequest.userErrors).toEqual([]);
  return new Date(accountDeletionRequest.requestedAt);
}

/** Every row of every table, as JSON text per table. */
async function snapshot(em: Em = cp.db.fork()): Promise<Map<string, string[]>> {
  const tables = await em.execute<{ name: string }[]>(
    // Partitions are read through their parent (usage_event is partitioned by month).
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition and c.relname not like 'mikro_orm%' order by 1`,
  );
  const result = new Map<string, string[]>();
  for (const { name } of tables) {
    const rows = await em.execute<Record<string, unknown>[]>(`select * from "${name}"`);
    result.set(name, rows.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort());
  }
  return result;
}

/** Whether a row carries anything of the subject: ids, name, email, IP, user agent. */
function mentions(row: string, s: Subject): boolean {
  return [s.accountId, ...s.keyIds, s.username, s.email, s.ip, s.userAgent].some((v) => row.includes(v));
}

async function usageRows(requestIds: string[]) {
  return cp.db.fork().execute<Record<string, unknown>[]>(
    `select request_id, account_id, api_key_id, client_ip, user_agent, input_tokens::int as input_tokens, output_tokens::int as output_tokens
       from usage_event where request_id in (${requestIds.map(() => '?').join(', ')}) order by request_id`,
    requestIds,
  );
}

async function usageTotals() {
  const [row] = await cp.db.fork().execute<{ n: number; input: number; output: number }[]>(
    'select count(*)::int as n, coalesce(sum(input_tokens), 0)::int as input, coalesce(sum(output_tokens), 0)::int as output from usage_event',
  );
  return row!;
}

describe('the purge of deleted accounts', () => {
  it(`${PURGED} — not a moment early: an account whose 30 days are not up is left exactly as it is`, async () => {
    const alice = await subject();
    const requestedAt = await requestDeletion(alice);
    const before = await snapshot();
    const purged = await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 30 * DAY, now: new Date(requestedAt.getTime() + 30 * DAY - 1) });
    expect(purged).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // Leave no pending deletion behind for the tests that purge with a period of 0.
    expect(await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 0 })).toEqual([alice.accountId]);
  });

  it(`${PURGED} — on day 30 the account and everything of it is erased; usage records stay, counted in totals but linked to nobody`, async () => {
    const alice = await subject();
    const bob = await subject();
    const requestedAt = await requestDeletion(alice);
    const before = await snapshot();
    const totals = await usageTotals();
    const aliceUsage = await usageRows(alice.requestIds);
    const bobUsage = await usageRows(bob.requestIds);

    const purged = await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 30 * DAY, now: new Date(requestedAt.getTime() + 30 * DAY) });
    expect(purged).toEqual([alice.accountId]);
    const after = await snapshot();

    expect(await accountRow(cp, alice.accountId)).toBeNull();
    for (const [table, rows] of after) {
      // Nothing of Alice is left anywhere: not her ids, name, email, IP or user agent.
      expect(rows.filter((r) => mentions(r, alice)), table).toEqual([]);
      // Everything that was not hers is exactly as it was.
      const untouched = before.get(table)!.filter((r) => !mentions(r, alice));
      expect(rows.filter((r) => !untouched.includes(r)), table).toEqual(table === 'usage_event' ? expect.any(Array) : []);
      expect(untouched.filter((r) => !rows.includes(r)), table).toEqual([]);
    }
    for (const table of ['session', 'security_event', 'api_key', 'notification', 'email_outbox']) {
      expect(before.get(table)!.some((r) => mentions(r, alice)), `${table} had rows of alice`).toBe(true);
    }
    // Her usage records are kept with their counts, without account, key, IP or user agent.
    expect(await usageTotals()).toEqual(totals);
    expect(await usageRows(alice.requestIds)).toEqual(
      aliceUsage.map((r) => ({ ...r, account_id: null, api_key_id: null, client_ip: null, user_agent: null })),
    );
    expect(await usageRows(bob.requestIds)).toEqual(bobUsage);
    // Bob carries on.
    expect((await bob.client.data(ME)).me.username).toBe(bob.username);
    expect((await logIn(cp, bob.username, bob.password)).userErrors).toEqual([]);
  });

  it(`${PURGED} — running again, or on two instances at once, erases each account once and nothing else`, async () => {
    const carol = await subject();
    const dave = await subject();
    await requestDeletion(carol);
    await requestDeletion(dave);
    const totals = await usageTotals();
    // A second ORM (its own connection pool) plays the second control-plane instance.
    const other = cp.db.kind === 'postgres' ? await openDatabase(cp.config.database, logger) : cp.db;
    try {
      const runs = await Promise.all([
        purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 0 }),
        purgeDeletedAccounts(other.fork(), { purgeAfterMs: 0 }),
      ]);
      expect(runs.flat().sort()).toEqual([carol.accountId, dave.accountId].sort());
    } finally {
      if (other !== cp.db) await other.close();
    }
    const before = await snapshot();
    expect(await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 0 })).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await usageTotals()).toEqual(totals);
    expect((await usageRows([...carol.requestIds, ...dave.requestIds])).every((r) => r.account_id === null && r.client_ip === null)).toBe(true);
  });

  it(`${PURGED} — the purge job is in the job list and takes an account before its deadline, however its runs fall`, async () => {
    const job = jobs.find((j) => j.name === 'purge-deleted-accounts')!;
    expect(job).toBeDefined();
    const [dueSoon, notDue, overdue] = [await subject(), await subject(), await subject()];
    for (const s of [dueSoon, notDue, overdue]) await requestDeletion(s);
    // Move the requests back in time: the deadline of the first falls before the job's next run.
    const backdate = async (s: Subject, ms: number) =>
      cp.db.fork().execute('update account set deletion_requested_at = ? where id = ?', [new Date(Date.now() - ms).toISOString(), s.accountId]);
    await backdate(dueSoon, 30 * DAY - job.everyMs / 2);
    await backdate(notDue, 30 * DAY - 2 * job.everyMs);
    await backdate(overdue, 31 * DAY);
    expect(cp.config.accountRights.purgeAfterMs).toBe(30 * DAY);
    expect(await job.run({ db: cp.db, config: cp.config, logger })).toEqual({ accountsPurged: 2 });
    expect(await accountRow(cp, dueSoon.accountId)).toBeNull();
    expect(await accountRow(cp, overdue.accountId)).toBeNull();
    expect(await accountRow(cp, notDue.accountId)).not.toBeNull();
    // Its runs are recorded for admins to see.
    const [run] = await cp.db.fork().execute<{ outcome: string; counts: unknown }[]>(
      `select outcome, counts from job_run where job = 'purge-deleted-accounts' order by started_at desc limit 1`,
    );
    expect(run).toEqual({ outcome: 'SUCCEEDED', counts: { accountsPurged: 2 } });
  });

  it(`${PURGED} — ACCOUNT_PURGE_AFTER_DAYS is 30 by default, may be shorter (0: at the next run), never longer`, () => {
    const env = { NODE_ENV: 'test', API_KEY_PEPPER: TEST_API_KEY_PEPPER } as const;
    expect(controlPlaneConfigFrom(env).accountRights.purgeAfterMs).toBe(30 * DAY);
    expect(controlPlaneConfigFrom({ ...env, ACCOUNT_PURGE_AFTER_DAYS: '0' }).accountRights.purgeAfterMs).toBe(0);
    expect(controlPlaneConfigFrom({ ...env, ACCOUNT_PURGE_AFTER_DAYS: '7' }).accountRights.purgeAfterMs).toBe(7 * DAY);
    expect(() => controlPlaneConfigFrom({ ...env, ACCOUNT_PURGE_AFTER_DAYS: '31' })).toThrow(/ACCOUNT_PURGE_AFTER_DAYS/);
    expect(() => controlPlaneConfigFrom({ ...env, ACCOUNT_PURGE_AFTER_DAYS: '-1' })).toThrow(/ACCOUNT_PURGE_AFTER_DAYS/);
  });
});

describe('the purge follows the data map', () => {
  it('does to every table what its data-map entry says: usage records and price versions are pseudonymised, what is kept or not linked left alone, the rest deleted', () => {
    const plan = purgePlan();
    for (const { location } of tableLocations()) {
      const target = plan.find((t) => t.table === location.table);
      if (location.deletion.action === DeletionAction.DELETE || location.deletion.action === DeletionAction.PSEUDONYMISE) {
        expect(target, location.table).toMatchObject({ action: location.deletion.action });
      } else {
        expect(target, location.table).toBeUndefined();
      }
    }
    expect(plan.find((t) => t.table === 'usage_event')).toMatchObject({
      action: 'PSEUDONYMISE',
      clears: expect.arrayContaining(['account_id', 'api_key_id', 'client_ip', 'user_agent']),
    });
    expect(plan.at(-1)).toMatchObject({ table: 'account', action: 'DELETE' });
  });

  it('keeps a billing table pseudonymised once the data map lists it so: the records stay, with no name, email or IP', async () => {
    // A stand-in for the billing table to come, with the ON DELETE CASCADE a careless migration might give it.
    const em = cp.db.fork();
    await em.execute(`create table "billing_record_test" (
      "id" uuid primary key, "account_id" uuid references "account" ("id") on delete cascade,
      "name" text, "email" text, "ip" text, "amount_cents" integer not null)`);
    const billing: TableLocation = {
      kind: 'TABLE',
      table: 'billing_record_test',
      owner: { columns: ['account_id'] },
      orderKey: ['id'],
      columns: {},
      deletion: { action: DeletionAction.PSEUDONYMISE, clears: ['account_id', 'name', 'email', 'ip'] },
    };
    const erin = await subject();
    const frank = await subject();
    for (const s of [erin, frank]) {
      await em.execute('insert into billing_record_test values (?, ?, ?, ?, ?, 4200)', [newId(), s.accountId, s.username, s.email, s.ip]);
    }
    await requestDeletion(erin);
    const plan = purgePlan([...tableLocations().map((t) => t.location), billing]);
    expect(await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 0, plan })).toContain(erin.accountId);
    const rows = await em.execute<Record<string, unknown>[]>('select account_id, name, email, ip, amount_cents from billing_record_test order by name nulls first');
    expect(rows).toEqual([
      { account_id: null, name: null, email: null, ip: null, amount_cents: 4200 },
      { account_id: frank.accountId, name: frank.username, email: frank.email, ip: frank.ip, amount_cents: 4200 },
    ]);
    await em.execute('drop table billing_record_test');
  });

  it('a row naming two people (an audit entry: the admin and the target) loses only the link to the one purged', async () => {
    const em = cp.db.fork();
    await em.execute(`create table "audit_like_test" ("id" uuid primary key, "actor_id" uuid, "target_id" uuid, "ip" text, "note" text)`);
    const trail: TableLocation = {
      kind: 'TABLE',
      table: 'audit_like_test',
      owner: { columns: ['actor_id', 'target_id'] },
      orderKey: ['id'],
      columns: {},
      deletion: { action: DeletionAction.PSEUDONYMISE, clears: ['actor_id', 'target_id', 'ip'] },
    };
    const [actor, target] = [await subject(), await subject()];
    await em.execute(`insert into audit_like_test values (?, ?, ?, '192.0.2.1', 'suspended')`, [newId(), actor.accountId, target.accountId]);
    await requestDeletion(target);
    const plan = purgePlan([...tableLocations().map((t) => t.location), trail]);
    expect(await purgeDeletedAccounts(cp.db.fork(), { purgeAfterMs: 0, plan })).toContain(target.accountId);
    expect(await em.execute('select actor_id, target_id, ip, note from audit_like_test')).toEqual([
      { actor_id: actor.accountId, target_id: null, ip: null, note: 'suspended' },
    ]);
    await em.execute('drop table audit_like_test');
  });
});
