import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyCache } from '../../../data-plane/auth/key-cache.js';
import { createLogger } from '../../../shared/logger.js';
import { API_KEY_REVOKE, createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { ME } from '../../helpers/graphql-client.js';
import { TEST_API_KEY_PEPPER } from '../../helpers/test-env.js';
import { newId } from '../../../shared/ids.js';
import {
  accountRow,
  anotherSession,
  logIn,
  ME_STATE,
  newAdmin,
  newPerson,
  NODE_STATE,
  SUSPEND,
  UNSUSPEND,
  type Person,
} from './account-rights.fixture.js';

const RBAC = '§4 "Role-based access controls"';
const logger = createLogger({ level: 'silent', name: 'test' });

let cp: TestControlPlane;
let admin: Person;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await newAdmin(cp);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await cp?.stop();
});

/** A data-plane key cache with its own connection and LISTEN, as one instance has it. */
async function keyCache() {
  const sql = cp.sqlClient();
  const cache = createKeyCache({ sql, pepper: Buffer.from(TEST_API_KEY_PEPPER), logger, ttlMs: 60_000, negativeTtlMs: 60_000 });
  await cache.start();
  closers.push(() => sql.close(), () => cache.close());
  return cache;
}

/** Polls until `check` holds, for at most `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function suspend(id: string, reason?: string, by: Person = admin) {
  return (await by.client.data(SUSPEND, { id, reason })).accountSuspend;
}

describe('accountSuspend / accountUnsuspend (admins)', () => {
  it(`${RBAC} — suspending ends every session of the account at once, and the admin sees it suspended, with the reason`, async () => {
    const bob = await newPerson(cp);
    const elsewhere = await anotherSession(cp, bob);
    const payload = await suspend(bob.id, 'Card testing from this account');
    expect(payload.userErrors).toEqual([]);
    expect(payload.account).toMatchObject({ id: bob.id, suspended: true, suspensionReason: 'Card testing from this account' });
    for (const client of [bob.client, elsewhere]) expect((await client.data(ME)).me).toBeNull();
    expect((await admin.client.data(NODE_STATE, { id: bob.id })).node).toMatchObject({ suspended: true, suspendedAt: payload.account.suspendedAt });
  });

  it(`${RBAC} — a suspended account cannot log in: the right password gets a clear ACCOUNT_SUSPENDED, a wrong one the usual answer`, async () => {
    const bob = await newPerson(cp);
    await suspend(bob.id);
    expect(await logIn(cp, bob.username, bob.password)).toEqual({
      account: null,
      userErrors: [{ field: null, code: 'ACCOUNT_SUSPENDED', message: 'This account is suspended. Contact support@tokenbyte.ai.' }],
    });
    // Someone guessing learns nothing about the suspension.
    expect(await logIn(cp, bob.username, 'a wrong password entirely')).toEqual({
      account: null,
      userErrors: [{ field: null, code: 'INVALID_CREDENTIALS', message: 'Wrong login or password.' }],
    });
  });

  it(`${RBAC} — the data-plane refuses a suspended account's keys within a second, and takes back those not revoked on unsuspension`, async () => {
    const bob = await newPerson(cp);
    const kept = await createKey(bob.client, { name: 'kept' });
    const revoked = await createKey(bob.client, { name: 'revoked' });
    const cache = await keyCache();
    expect(await cache.authenticate(kept.secret)).not.toBeNull();
    expect(await cache.authenticate(revoked.secret)).not.toBeNull();
    await suspend(bob.id);
    await within(1_000, async () => (await cache.authenticate(kept.secret)) === null && (await cache.authenticate(revoked.secret)) === null);
    // An admin revokes one key while the account is suspended.
    expect((await admin.client.data(API_KEY_REVOKE, { id: revoked.id })).apiKeyRevoke.userErrors).toEqual([]);
    const { accountUnsuspend } = await admin.client.data(UNSUSPEND, { id: bob.id });
    expect(accountUnsuspend).toMatchObject({ account: { suspended: false, suspendedAt: null, suspensionReason: null }, userErrors: [] });
    await within(1_000, async () => (await cache.authenticate(kept.secret)) !== null);
    expect(await cache.authenticate(revoked.secret)).toBeNull();
    // And logging in works again; the sessions the suspension ended stay ended.
    expect((await logIn(cp, bob.username, bob.password)).userErrors).toEqual([]);
    expect((await bob.client.data(ME)).me).toBeNull();
  });

  it(`${RBAC} — suspension touches only the account named: another account's sessions and keys carry on`, async () => {
    const bob = await newPerson(cp);
    const carol = await newPerson(cp);
    const carolKey = await createKey(carol.client);
    const cache = await keyCache();
    await suspend(bob.id);
    expect((await carol.client.data(ME)).me.username).toBe(carol.username);
    expect(await cache.authenticate(carolKey.secret)).not.toBeNull();
    expect((await accountRow(cp, carol.accountId))!.suspendedAt).toBeNull();
  });

  it(`${RBAC} — a user can neither suspend nor unsuspend anyone (FORBIDDEN), and nothing changes`, async () => {
    const bob = await newPerson(cp);
    const mallory = await newPerson(cp);
    for (const [query, variables] of [[SUSPEND, { id: bob.id }], [UNSUSPEND, { id: bob.id }], [SUSPEND, { id: mallory.id }]] as const) {
      const result = await mallory.client.request(query, variables);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data).toBeNull();
    }
    expect((await bob.client.data(ME)).me.username).toBe(bob.username);
    expect((await accountRow(cp, bob.accountId))!.suspendedAt).toBeNull();
    // The owner sees their own state, another account's is not found.
    expect((await mallory.client.data(ME_STATE)).me).toMatchObject({ suspended: false, suspensionReason: null, deletionRequestedAt: null });
    expect((await mallory.client.data(NODE_STATE, { id: bob.id })).node).toBeNull();
  });

  it(`${RBAC} — an admin cannot suspend themselves; unknown ids and over-long reasons are userErrors`, async () => {
    expect((await suspend(admin.id)).userErrors).toEqual([{ field: ['id'], code: 'CANNOT_SUSPEND_SELF', message: 'You cannot suspend your own account.' }]);
    const ghost = Buffer.from(`Account:${newId()}`).toString('base64url');
    for (const id of [ghost, 'not-an-id']) {
      expect((await suspend(id)).userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'No such account.' }]);
      expect((await admin.client.data(UNSUSPEND, { id })).accountUnsuspend.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'No such account.' }]);
    }
    const bob = await newPerson(cp);
    expect((await suspend(bob.id, 'x'.repeat(501))).userErrors).toEqual([{ field: ['reason'], code: 'INVALID', message: 'The reason is at most 500 characters.' }]);
    expect((await accountRow(cp, bob.accountId))!.suspendedAt).toBeNull();
  });

  it(`${RBAC} — every suspension and unsuspension is written to the admin audit log, with who, what, when and from where`, async () => {
    const bob = await newPerson(cp);
    await suspend(bob.id, 'Spam');
    await admin.client.data(UNSUSPEND, { id: bob.id });
    const entries = await cp.db.fork().execute<{ action: string; admin_id: string; target_id: string; details: unknown }[]>(
      'select action, admin_id, target_id, details from admin_audit where target_id = ? order by created_at, id',
      [bob.accountId],
    );
    expect(entries.map((e) => [e.action, e.admin_id])).toEqual([
      ['accountSuspend', admin.accountId],
      ['accountUnsuspend', admin.accountId],
    ]);
  });
});
