import { API_KEY_CHANNEL } from '../../../shared/key-events.js';
import type { Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import { Session } from '../session/session.entity.js';

/** Ends every live session of the account in one statement; returns how many ended. */
export function endAllSessions(em: Em, account: Account, at: Date): Promise<number> {
  return em.nativeUpdate(Session, { account, revokedAt: null }, { revokedAt: at });
}

/**
 * Tells every data-plane instance to re-read each of the account's keys (they read
 * the account's state with the key). Inside a transaction the notifications go out
 * at commit, so no instance re-reads the key before the change is visible.
 */
export async function announceAccountKeys(em: Em, accountId: string): Promise<void> {
  await em.execute('select pg_notify(?, key_id) from api_key where account_id = ?', [API_KEY_CHANNEL, accountId]);
}
