import type { Em } from '../../db/orm.js';
import { Account } from '../account/account.entity.js';
import type { Result } from '../account/account.service.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';

/*
 * Restriction of processing (policy §6). While `account.processing_restricted_at` is
 * set: notify() drops non-essential messages, and aggregate statistics and analytics
 * leave the account out (restrictedAccountFilterSql). Service, security and billing
 * processing go on. An admin cannot lift it at once: the owner is told, and the lift
 * applies after a notice period unless the owner sets the restriction again.
 */

const COLUMN = /^(?:"?[a-z_][a-z0-9_]*"?\.)?"?[a-z_][a-z0-9_]*"?$/;

/**
 * A SQL condition that is true for rows NOT belonging to an account that restricted
 * processing — add it to the WHERE of every aggregate statistic or analytics query.
 * `accountIdColumn` is the (possibly qualified) column holding the account id, e.g.
 * `usage_event.account_id` or `u.account_id`. Rows whose account is null (a purged
 * account's pseudonymised usage) stay in: they no longer belong to anyone.
 *
 * @example
 *   `select model, count(*) from usage_event u where u.created_at >= ? and ${restrictedAccountFilterSql('u.account_id')} group by model`
 */
export function restrictedAccountFilterSql(accountIdColumn: string): string {
  if (!COLUMN.test(accountIdColumn)) throw new Error(`not a plain column name: ${accountIdColumn}`);
  return `not exists (select 1 from "account" restricted_account where restricted_account."id" = ${accountIdColumn} and restricted_account."processing_restricted_at" is not null)`;
}

/** Sets or clears the owner's restriction. Setting it again cancels an admin's scheduled lift. */
export async function setProcessingRestriction(em: Em, account: Account, restricted: boolean, now = new Date()): Promise<Account> {
  if (restricted) {
    // The restriction keeps the date it began; only a pending lift is cancelled.
    account.processingRestrictedAt ??= now;
  } else {
    account.processingRestrictedAt = null;
  }
  account.processingRestrictionLiftAt = null;
  await em.flush();
  return account;
}

/** The admin's lift: the owner is told now, the restriction ends after `noticeMs`. */
export async function scheduleRestrictionLift(
  em: Em,
  accountId: string,
  noticeMs: number,
  options: { audit?: (em: Em, account: Account) => void; now?: Date } = {},
): Promise<Result<Account>> {
  const now = options.now ?? new Date();
  const account = await em.findOne(Account, { id: accountId });
  if (!account) return { ok: false, problems: [{ field: ['accountId'], code: 'NOT_FOUND', message: 'No such account.' }] };
  if (!account.processingRestrictedAt) {
    return { ok: false, problems: [{ field: ['accountId'], code: 'NOT_RESTRICTED', message: 'This account has not restricted processing.' }] };
  }
  // Already scheduled: the owner was told once, and the date they were told stands.
  if (!account.processingRestrictionLiftAt) {
    const liftAt = new Date(now.getTime() + noticeMs);
    account.processingRestrictionLiftAt = liftAt;
    notify(em, account, {
      topic: NotificationTopic.PROCESSING_RESTRICTION_LIFT,
      title: 'The restriction of processing on your account will be lifted',
      body:
        `A TokenByte administrator will lift the restriction of processing on your account on ${liftAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
        'From then on your usage counts in aggregate statistics again and you may receive non-essential messages. ' +
        'To keep the restriction, set it again before then (processingRestrictionSet), or contact support@tokenbyte.ai.',
    });
  }
  options.audit?.(em, account);
  await em.flush();
  return { ok: true, value: account };
}

/**
 * Applies every lift whose notice period is over, in one statement: idempotent, safe on
 * two instances, and an owner who set the restriction again (which clears the lift
 * date) is never matched. Returns how many restrictions ended.
 */
export function liftDueRestrictions(em: Em, now = new Date()): Promise<number> {
  return em.nativeUpdate(Account, { processingRestrictionLiftAt: { $lte: now } }, { processingRestrictedAt: null, processingRestrictionLiftAt: null });
}
