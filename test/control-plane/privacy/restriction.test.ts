import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../control-plane/jobs/index.js';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { NotificationTopic } from '../../../control-plane/modules/notification/notification.entity.js';
import { notify } from '../../../control-plane/modules/notification/notify.js';
import { liftDueRestrictions, restrictedAccountFilterSql } from '../../../control-plane/modules/restriction/restriction.service.js';
import { newId } from '../../../shared/ids.js';
import { createLogger } from '../../../shared/logger.js';
import { createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import {
  feedOf,
  ME_STATE,
  newAdmin,
  newPerson,
  NODE_STATE,
  outboxOf,
  RESTRICTION_LIFT,
  RESTRICTION_SET,
  type Person,
} from './account-rights.fixture.js';

const RESTRICT = '§6 "Restrict Processing: Limit our processing of your data in certain circumstances"';
const RBAC = '§4 "Role-based access controls"';
const DAY = 86_400_000;

let cp: TestControlPlane;
let admin: Person;
beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await newAdmin(cp);
});
afterAll(() => cp?.stop());

async function restrict(person: Person, restricted: boolean) {
  const { processingRestrictionSet } = await person.client.data(RESTRICTION_SET, { restricted });
  expect(processingRestrictionSet.userErrors).toEqual([]);
  return processingRestrictionSet.account;
}

async function lift(accountId: string, by: Person = admin) {
  return (await by.client.data(RESTRICTION_LIFT, { accountId })).processingRestrictionLift;
}

/** Sends a non-essential message (product news) the way any sender would. */
async function sendNews(person: Person): Promise<void> {
  const em = cp.db.fork();
  notify(em, await em.findOneOrFail(Account, { id: person.accountId }), { topic: NotificationTopic.PRODUCT_NEWS, title: 'News', body: 'A new model.' });
  await em.flush();
}

const topics = async (person: Person) => (await feedOf(cp, person.accountId)).map((n) => n.topic);

describe('processingRestrictionSet', () => {
  it(`${RESTRICT} — I can set and clear it, and my account shows it`, async () => {
    const alice = await newPerson(cp);
    expect((await alice.client.data(ME_STATE)).me).toMatchObject({ processingRestricted: false, processingRestrictedAt: null });
    const restricted = await restrict(alice, true);
    expect(restricted).toMatchObject({ id: alice.id, processingRestricted: true, processingRestrictionLiftScheduledAt: null });
    expect(Date.now() - Date.parse(restricted.processingRestrictedAt)).toBeLessThan(60_000);
    // Setting it again keeps the date it began.
    expect((await restrict(alice, true)).processingRestrictedAt).toBe(restricted.processingRestrictedAt);
    expect(await restrict(alice, false)).toMatchObject({ processingRestricted: false, processingRestrictedAt: null });
    expect((await alice.client.data(ME_STATE)).me.processingRestricted).toBe(false);
  });

  it(`${RESTRICT} — while set I get no non-essential messages, yet security messages still come; once cleared, they come again`, async () => {
    const alice = await newPerson(cp);
    await restrict(alice, true);
    await sendNews(alice);
    await createKey(alice.client); // an essential security alert
    expect(await topics(alice)).toEqual([NotificationTopic.API_KEY_CREATED]);
    expect((await outboxOf(cp, alice.accountId)).map((e) => e.subject)).toEqual(['A new API key was created']);
    await restrict(alice, false);
    await sendNews(alice);
    expect(await topics(alice)).toEqual([NotificationTopic.API_KEY_CREATED, NotificationTopic.PRODUCT_NEWS]);
  });

  it(`${RESTRICT} — while set my usage is left out of aggregate statistics (restrictedAccountFilterSql); a purged account's records still count`, async () => {
    const alice = await newPerson(cp);
    const bob = await newPerson(cp);
    const model = `stats-model-${newId()}`;
    const em = cp.db.fork();
    for (const [accountId, tokens] of [[alice.accountId, 1_000], [bob.accountId, 20], [null, 3]] as const) {
      await em.execute(
        `insert into usage_event (request_id, created_at, account_id, provider, model, input_tokens, output_tokens, status, http_status, latency_ms)
         values (?, now(), ?, 'openai', ?, ?, 0, 'SUCCESS', 200, 100)`,
        [newId(), accountId, model, tokens],
      );
    }
    const total = async () => {
      const [row] = await cp.db.fork().execute<{ tokens: number }[]>(
        `select coalesce(sum(u.input_tokens), 0)::int as tokens from usage_event u where u.model = ? and ${restrictedAccountFilterSql('u.account_id')}`,
        [model],
      );
      return row!.tokens;
    };
    expect(await total()).toBe(1_023);
    await restrict(alice, true);
    expect(await total()).toBe(23);
    await restrict(alice, false);
    expect(await total()).toBe(1_023);
    expect(() => restrictedAccountFilterSql('u.account_id; drop table account')).toThrow();
  });
});

describe('processingRestrictionLift (admins)', () => {
  it(`${RESTRICT} — an admin's lift is announced to me first and applies only after the notice period (7 days by default)`, async () => {
    const alice = await newPerson(cp);
    await restrict(alice, true);
    const started = Date.now();
    const payload = await lift(alice.id);
    expect(payload.userErrors).toEqual([]);
    const liftAt = Date.parse(payload.liftScheduledAt);
    expect(liftAt - started).toBeGreaterThanOrEqual(7 * DAY - 1_000);
    expect(liftAt - Date.now()).toBeLessThanOrEqual(7 * DAY);
    // Still restricted, and told so, with the date.
    expect(payload.account).toMatchObject({ processingRestricted: true, processingRestrictionLiftScheduledAt: payload.liftScheduledAt });
    const notice = (await feedOf(cp, alice.accountId)).filter((n) => n.topic === NotificationTopic.PROCESSING_RESTRICTION_LIFT);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.body).toContain(payload.liftScheduledAt.slice(0, 10));
    expect((await outboxOf(cp, alice.accountId)).some((e) => e.toAddress === alice.email && e.body === notice[0]!.body)).toBe(true);
    // A second lift neither moves the date nor tells me twice.
    expect((await lift(alice.id)).liftScheduledAt).toBe(payload.liftScheduledAt);
    expect((await feedOf(cp, alice.accountId)).filter((n) => n.topic === NotificationTopic.PROCESSING_RESTRICTION_LIFT)).toHaveLength(1);
    // The job applies it at the end of the notice period, not before.
    expect(await liftDueRestrictions(cp.db.fork(), new Date(liftAt - 1))).toBe(0);
    expect((await alice.client.data(ME_STATE)).me.processingRestricted).toBe(true);
    expect(await liftDueRestrictions(cp.db.fork(), new Date(liftAt))).toBe(1);
    expect((await alice.client.data(ME_STATE)).me).toMatchObject({ processingRestricted: false, processingRestrictionLiftScheduledAt: null });
  });

  it(`${RESTRICT} — I can keep my restriction by setting it again before the lift applies`, async () => {
    const alice = await newPerson(cp);
    await restrict(alice, true);
    await lift(alice.id);
    expect(await restrict(alice, true)).toMatchObject({ processingRestricted: true, processingRestrictionLiftScheduledAt: null });
    expect(await liftDueRestrictions(cp.db.fork(), new Date(Date.now() + 30 * DAY))).toBe(0);
    expect((await alice.client.data(ME_STATE)).me.processingRestricted).toBe(true);
  });

  it(`${RESTRICT} — the lift job is in the job list and is idempotent`, async () => {
    const job = jobs.find((j) => j.name === 'lift-processing-restrictions')!;
    expect(job).toBeDefined();
    const alice = await newPerson(cp);
    await restrict(alice, true);
    await lift(alice.id);
    await cp.db.fork().execute("update account set processing_restriction_lift_at = now() - interval '1 minute' where id = ?", [alice.accountId]);
    const deps = { db: cp.db, config: cp.config, logger: createLogger({ level: 'silent', name: 'test' }) };
    expect(await job.run(deps)).toBe(1);
    expect(await job.run(deps)).toBe(0);
    expect((await alice.client.data(ME_STATE)).me.processingRestricted).toBe(false);
  });

  it(`${RESTRICT} — an account without a restriction, or none at all, is a userError`, async () => {
    const bob = await newPerson(cp);
    expect((await lift(bob.id)).userErrors).toEqual([{ field: ['accountId'], code: 'NOT_RESTRICTED', message: 'This account has not restricted processing.' }]);
    const ghost = Buffer.from(`Account:${newId()}`).toString('base64url');
    for (const id of [ghost, 'not-an-id']) {
      expect((await lift(id)).userErrors).toEqual([{ field: ['accountId'], code: 'NOT_FOUND', message: 'No such account.' }]);
    }
  });

  it(`${RBAC} — a user cannot lift anyone's restriction (FORBIDDEN) nor read another account's state (not found)`, async () => {
    const alice = await newPerson(cp);
    const mallory = await newPerson(cp);
    await restrict(alice, true);
    const attempt = await mallory.client.request(RESTRICTION_LIFT, { accountId: alice.id });
    expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(attempt.data).toBeNull();
    expect((await mallory.client.data(NODE_STATE, { id: alice.id })).node).toBeNull();
    expect((await alice.client.data(ME_STATE)).me).toMatchObject({ processingRestricted: true, processingRestrictionLiftScheduledAt: null });
    expect(await topics(alice)).not.toContain(NotificationTopic.PROCESSING_RESTRICTION_LIFT);
    // An admin sees it.
    expect((await admin.client.data(NODE_STATE, { id: alice.id })).node).toMatchObject({ processingRestricted: true });
  });
});
