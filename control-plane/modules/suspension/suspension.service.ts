import { LockMode } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { Account } from '../account/account.entity.js';
import type { Problem, Result } from '../account/account.service.js';
import { announceAccountKeys, endAllSessions } from '../account-state/account-access.js';

export const MAX_SUSPENSION_REASON_LENGTH = 500;

const notFound: Problem = { field: ['id'], code: 'NOT_FOUND', message: 'No such account.' };

export interface SuspensionOptions {
  /** Queues the admin audit entry on the transaction, so that the change and its entry commit together. */
  audit?: (tx: Em, account: Account) => void;
  now?: Date;
}

/**
 * An admin suspends an account (policy §4: abuse, fraud). In one transaction: the
 * account is marked, its sessions end, and every data-plane instance is told to
 * re-read its keys, which it then refuses. Logging in is refused with a clear
 * ACCOUNT_SUSPENDED once the password is right. Suspending again updates the reason.
 */
export async function suspendAccount(em: Em, admin: Account, accountId: string, reason: string | null, options: SuspensionOptions = {}): Promise<Result<Account>> {
  const now = options.now ?? new Date();
  const trimmed = reason?.trim() || null;
  if (trimmed && trimmed.length > MAX_SUSPENSION_REASON_LENGTH) {
    return { ok: false, problems: [{ field: ['reason'], code: 'INVALID', message: `The reason is at most ${MAX_SUSPENSION_REASON_LENGTH} characters.` }] };
  }
  // An admin locking themselves out would need another admin (or the CLI) to undo it.
  if (accountId === admin.id) return { ok: false, problems: [{ field: ['id'], code: 'CANNOT_SUSPEND_SELF', message: 'You cannot suspend your own account.' }] };
  return em.transactional(async (tx): Promise<Result<Account>> => {
    const account = await tx.findOne(Account, { id: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!account) return { ok: false, problems: [notFound] };
    account.suspendedAt ??= now;
    account.suspensionReason = trimmed;
    await endAllSessions(tx, account, now);
    options.audit?.(tx, account);
    await tx.flush();
    await announceAccountKeys(tx, account.id);
    return { ok: true, value: account };
  });
}

/**
 * Lifts a suspension. Keys that were not revoked work again as soon as the data-plane
 * re-reads them (told at commit); sessions ended by the suspension stay ended.
 */
export async function unsuspendAccount(em: Em, accountId: string, options: SuspensionOptions = {}): Promise<Result<Account>> {
  return em.transactional(async (tx): Promise<Result<Account>> => {
    const account = await tx.findOne(Account, { id: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!account) return { ok: false, problems: [notFound] };
    const wasSuspended = account.suspendedAt !== null;
    account.suspendedAt = null;
    account.suspensionReason = null;
    options.audit?.(tx, account);
    await tx.flush();
    if (wasSuspended) await announceAccountKeys(tx, account.id);
    return { ok: true, value: account };
  });
}
