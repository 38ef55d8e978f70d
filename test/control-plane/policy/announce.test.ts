import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../control-plane/db/orm.js';
import { announcePolicyJob } from '../../../control-plane/jobs/announce-policy.js';
import { jobs } from '../../../control-plane/jobs/index.js';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { Notification, OutboxEmail } from '../../../control-plane/modules/notification/notification.entity.js';
import { announceNextBatch, announcePendingPolicyVersions } from '../../../control-plane/modules/policy/policy-announce.js';
import { PolicyVersion } from '../../../control-plane/modules/policy/policy.entity.js';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { newUser, SIGN_UP } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
const silent = createLogger({ level: 'silent', name: 'test' });
beforeAll(async () => {
  cp = await startTestControlPlane();
  for (let i = 0; i < 5; i++) await cp.client().data(SIGN_UP, { input: newUser() });
});
afterAll(() => cp?.stop());

let counter = 0;
/** A version written straight to the table, so that the test drives its announcement batch by batch. */
async function unannouncedVersion(): Promise<PolicyVersion> {
  counter += 1;
  const em = cp.db.fork();
  const version = em.create(PolicyVersion, { version: `batch-${counter}`, summary: `Change ${counter}.`, body: 'Text.', publishedAt: new Date() });
  await em.flush();
  return version;
}

/** How many POLICY_UPDATED notices (feed) and emails each account got for the version. */
async function noticesPerAccount(version: PolicyVersion) {
  const em = cp.db.fork();
  const title = `%(version ${version.version})`;
  const notices = await em.find(Notification, { topic: 'POLICY_UPDATED', title: { $like: title } });
  const emails = await em.find(OutboxEmail, { subject: { $like: title } });
  const count = (ids: string[]) => ids.reduce<Record<string, number>>((acc, id) => ({ ...acc, [id]: (acc[id] ?? 0) + 1 }), {});
  return { feed: count(notices.map((n) => n.account.id)), email: count(emails.map((e) => e.account!.id)) };
}

describe('§8 "Significant changes will be communicated via email or in-service notification." — the announcement, at any size', () => {
  it('notifies accounts in batches, one committed transaction each, continuing from a cursor', async () => {
    const version = await unannouncedVersion();
    const accounts = await cp.db.fork().find(Account, {}, { orderBy: { id: 'asc' } });
    expect(accounts).toHaveLength(5);

    expect(await announceNextBatch(cp.db.fork(), version.id, 2)).toEqual({ notified: 2, complete: false });
    // Committed: another connection sees the first two accounts told, and only them.
    const afterOne = await noticesPerAccount(version);
    expect(afterOne.feed).toEqual({ [accounts[0]!.id]: 1, [accounts[1]!.id]: 1 });
    expect(afterOne.email).toEqual(afterOne.feed);
    const row = await cp.db.fork().findOneOrFail(PolicyVersion, { id: version.id });
    expect(row).toMatchObject({ announcedThroughAccountId: accounts[1]!.id, announcedCount: 2, announcementCompletedAt: null });

    expect(await announceNextBatch(cp.db.fork(), version.id, 2)).toEqual({ notified: 2, complete: false });
    expect(await announceNextBatch(cp.db.fork(), version.id, 2)).toEqual({ notified: 1, complete: true });
    expect(await announceNextBatch(cp.db.fork(), version.id, 2)).toEqual({ notified: 0, complete: true });
    const done = await noticesPerAccount(version);
    expect(done.feed).toEqual(Object.fromEntries(accounts.map((a) => [a.id, 1])));
    expect(done.email).toEqual(done.feed);
    expect((await cp.db.fork().findOneOrFail(PolicyVersion, { id: version.id })).announcedCount).toBe(5);
  });

  it('two instances announcing at once tell every account exactly once', async () => {
    const version = await unannouncedVersion();
    const other: Database = cp.db.kind === 'postgres' ? await openDatabase(cp.config.database, silent) : cp.db;
    try {
      await Promise.all([cp.db, other, cp.db, other].map((db) => announcePendingPolicyVersions(db, silent, 1)));
    } finally {
      if (other !== cp.db) await other.close();
    }
    const accounts = await cp.db.fork().find(Account, {});
    const { feed, email } = await noticesPerAccount(version);
    expect(feed).toEqual(Object.fromEntries(accounts.map((a) => [a.id, 1])));
    expect(email).toEqual(feed);
    expect(await cp.db.fork().findOneOrFail(PolicyVersion, { id: version.id })).toMatchObject({ announcedCount: accounts.length });
  });

  it('leaves out accounts awaiting deletion and accounts created after publication (they accept the version at sign-up); the job finishes what was left', async () => {
    expect(jobs).toContain(announcePolicyJob);
    const leaving = newUser();
    await cp.client().data(SIGN_UP, { input: leaving });
    await cp.db.fork().nativeUpdate(Account, { usernameCanonical: leaving.username.toLowerCase() }, { deletionRequestedAt: new Date() });
    const version = await unannouncedVersion();
    const late = newUser();
    await cp.client().data(SIGN_UP, { input: late });

    await announceNextBatch(cp.db.fork(), version.id, 1);
    await announcePolicyJob.run({ db: cp.db, config: cp.config, logger: silent });

    const accounts = await cp.db.fork().find(Account, {});
    const expected = accounts.filter((a) => a.deletionRequestedAt === null && a.usernameCanonical !== late.username.toLowerCase());
    const { feed } = await noticesPerAccount(version);
    expect(feed).toEqual(Object.fromEntries(expected.map((a) => [a.id, 1])));
    expect(await cp.db.fork().findOneOrFail(PolicyVersion, { id: version.id })).toMatchObject({ announcedCount: expected.length });
    expect((await cp.db.fork().findOneOrFail(PolicyVersion, { id: version.id })).announcementCompletedAt).not.toBeNull();
  });
});
