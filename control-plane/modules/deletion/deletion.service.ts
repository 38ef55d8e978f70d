import { LockMode } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { Account } from '../account/account.entity.js';
import { where, type Result } from '../account/account.service.js';
import { verifyPassword } from '../account/password.js';
import { announceAccountKeys, endAllSessions } from '../account-state/account-access.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import type { RequestMeta } from '../security-event/security-event.service.js';

/** What a deletion request did, for the payload. */
export interface DeletionRequested {
  account: Account;
  requestedAt: Date;
  /** When the purge job erases the account at the latest. */
  purgeScheduledAt: Date;
}

/**
 * The owner asks for deletion of the account. At once, in one transaction: the
 * account is marked, every session ends, every data-plane instance is told to
 * re-read the account's keys (it refuses them from then on), and a confirmation is
 * queued to the account's email. Logging in fails from then on like a wrong password.
 * The personal data stays until the purge job erases it (within 30 days).
 */
export async function requestAccountDeletion(
  em: Em,
  accountId: string,
  password: string,
  options: { purgeAfterMs: number; meta: RequestMeta; now?: Date },
): Promise<Result<DeletionRequested>> {
  const now = options.now ?? new Date();
  const current = await em.findOne(Account, { id: accountId });
  if (!current) return { ok: false, problems: [{ field: null, code: 'NOT_FOUND', message: 'No such account.' }] };
  // Re-authentication: a session left open on a shared computer must not be enough.
  const check = await verifyPassword(current.passwordHash, password);
  if (!check.ok) {
    return { ok: false, problems: [{ field: ['input', 'password'], code: 'INVALID_CREDENTIALS', message: 'The password is wrong.' }] };
  }
  return em.transactional(async (tx): Promise<Result<DeletionRequested>> => {
    // Locked so that two requests at once (two tabs) confirm once, with one date.
    const account = await tx.findOneOrFail(Account, { id: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (account.deletionRequestedAt) {
      const requestedAt = account.deletionRequestedAt;
      return { ok: true, value: { account, requestedAt, purgeScheduledAt: purgeDate(requestedAt, options.purgeAfterMs) } };
    }
    account.deletionRequestedAt = now;
    await endAllSessions(tx, account, now);
    const purgeScheduledAt = purgeDate(now, options.purgeAfterMs);
    notify(tx, account, {
      topic: NotificationTopic.ACCOUNT_DELETION_REQUESTED,
      title: 'Your TokenByte account will be deleted',
      body:
        `We received a request${where(options.meta)} to delete the TokenByte account "${account.username}". ` +
        'Every session was logged out and every API key of the account is refused from now on. ' +
        `Your personal data will be erased by ${purgeScheduledAt.toISOString().slice(0, 10)}; usage records are kept for billing ` +
        'without any link to you or your IP address. If you did not ask for this, contact support@tokenbyte.ai at once.',
    });
    await tx.flush();
    await announceAccountKeys(tx, account.id);
    return { ok: true, value: { account, requestedAt: now, purgeScheduledAt } };
  });
}

/** When an account whose deletion was requested at `requestedAt` is purged at the latest. */
export function purgeDate(requestedAt: Date, purgeAfterMs: number): Date {
  return new Date(requestedAt.getTime() + purgeAfterMs);
}
