import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../control-plane/modules/session/session.entity.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { ME } from '../../helpers/graphql-client.js';
import {
  accountRow,
  anotherSession,
  DELETION_REQUEST,
  feedOf,
  logIn,
  newPerson,
  outboxOf,
  type Person,
} from './account-rights.fixture.js';

const DELETION = '§6 "Deletion: Request deletion of your account and associated data"';
const DAY = 86_400_000;

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane({ TRUST_PROXY: 'true' });
});
afterAll(() => cp?.stop());

async function requestDeletion(person: Person, password = person.password) {
  return (await person.client.data(DELETION_REQUEST, { input: { password } })).accountDeletionRequest;
}

async function liveSessions(accountId: string): Promise<number> {
  return cp.db.fork().count(Session, { account: accountId, revokedAt: null });
}

describe('accountDeletionRequest', () => {
  it(`${DELETION} — a wrong password changes nothing and says so`, async () => {
    const alice = await newPerson(cp);
    const payload = await requestDeletion(alice, 'not the password at all');
    expect(payload).toEqual({
      requestedAt: null,
      purgeScheduledAt: null,
      userErrors: [{ field: ['input', 'password'], code: 'INVALID_CREDENTIALS', message: 'The password is wrong.' }],
    });
    expect((await accountRow(cp, alice.accountId))!.deletionRequestedAt).toBeNull();
    expect((await alice.client.data(ME)).me.username).toBe(alice.username);
    expect(await outboxOf(cp, alice.accountId)).toEqual([]);
  });

  it(`${DELETION} — at once, every session of the account ends, this one and the others, and the cookie is cleared`, async () => {
    const alice = await newPerson(cp);
    const laptop = await anotherSession(cp, alice);
    const phone = await anotherSession(cp, alice);
    expect(await liveSessions(alice.accountId)).toBe(3);
    const payload = await requestDeletion(alice);
    expect(payload.userErrors).toEqual([]);
    expect(alice.client.cookie).toBeNull();
    expect(await liveSessions(alice.accountId)).toBe(0);
    for (const client of [alice.client, laptop, phone]) expect((await client.data(ME)).me).toBeNull();
  });

  it(`${DELETION} — logging in is no longer possible, with exactly the answer a wrong password gets`, async () => {
    const alice = await newPerson(cp);
    const bob = await newPerson(cp);
    await requestDeletion(alice);
    const rightPassword = await logIn(cp, alice.username, alice.password);
    const byEmail = await logIn(cp, alice.email, alice.password);
    const wrongPassword = await logIn(cp, bob.username, 'a wrong password for bob');
    const noSuchAccount = await logIn(cp, 'nobody_by_this_name', alice.password);
    expect(rightPassword.account).toBeNull();
    // Nothing tells a deleted account from a wrong password or an unknown login.
    for (const answer of [rightPassword, byEmail, noSuchAccount]) expect(answer).toEqual(wrongPassword);
    expect(wrongPassword.userErrors).toEqual([{ field: null, code: 'INVALID_CREDENTIALS', message: 'Wrong login or password.' }]);
    expect(await liveSessions(alice.accountId)).toBe(0);
  });

  it(`${DELETION} — a confirmation is sent to the account's email address and to its notification feed`, async () => {
    const alice = await newPerson(cp, { 'x-forwarded-for': '198.51.100.7' });
    const before = (await outboxOf(cp, alice.accountId)).length;
    const payload = await requestDeletion(alice);
    const emails = (await outboxOf(cp, alice.accountId)).slice(before);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ toAddress: alice.email, subject: 'Your TokenByte account will be deleted', status: 'PENDING' });
    expect(emails[0]!.body).toContain(alice.username);
    expect(emails[0]!.body).toContain('198.51.100.7');
    expect(emails[0]!.body).toContain(payload.purgeScheduledAt.slice(0, 10));
    const feed = await feedOf(cp, alice.accountId);
    expect(feed.filter((n) => n.topic === 'ACCOUNT_DELETION_REQUESTED')).toHaveLength(1);
    expect(feed.find((n) => n.topic === 'ACCOUNT_DELETION_REQUESTED')!.essential).toBe(true);
  });

  it(`${DELETION} — the purge is scheduled ACCOUNT_PURGE_AFTER_DAYS (30 by default) after the request, and the account is marked`, async () => {
    const alice = await newPerson(cp);
    const started = Date.now();
    const payload = await requestDeletion(alice);
    const requestedAt = Date.parse(payload.requestedAt);
    expect(requestedAt).toBeGreaterThanOrEqual(started - 1_000);
    expect(requestedAt).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(payload.purgeScheduledAt) - requestedAt).toBe(30 * DAY);
    expect((await accountRow(cp, alice.accountId))!.deletionRequestedAt!.getTime()).toBe(requestedAt);
  });

  it(`${DELETION} — only the caller's own account: another account's sessions and logins carry on`, async () => {
    const alice = await newPerson(cp);
    const bob = await newPerson(cp);
    const bobElsewhere = await anotherSession(cp, bob);
    await requestDeletion(alice);
    expect((await bob.client.data(ME)).me.username).toBe(bob.username);
    expect((await bobElsewhere.data(ME)).me.username).toBe(bob.username);
    expect((await logIn(cp, bob.username, bob.password)).userErrors).toEqual([]);
    expect((await accountRow(cp, bob.accountId))!.deletionRequestedAt).toBeNull();
    expect(await outboxOf(cp, bob.accountId)).toEqual([]);
  });

  it(`${DELETION} — needs a logged-in account: anonymous callers are refused`, async () => {
    const result = await cp.client().request(DELETION_REQUEST, { input: { password: 'whatever password' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
