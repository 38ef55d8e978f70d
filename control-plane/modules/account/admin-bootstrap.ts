import type { Em } from '../../db/orm.js';
import { Role } from './account.entity.js';
import { auditOperatorAction } from '../audit/audit.js';
import { findByLogin } from './account.service.js';

export type PromoteResult = 'PROMOTED' | 'ALREADY_ADMIN' | 'NOT_FOUND';

/**
 * Makes an existing account an admin. This is how the first admin comes to be
 * (`npm run admin -- promote <login>` or BOOTSTRAP_ADMIN_LOGIN); later admins can
 * be promoted the same way.
 */
export async function promoteToAdmin(em: Em, login: string): Promise<PromoteResult> {
  const account = await findByLogin(em, login);
  if (!account) return 'NOT_FOUND';
  if (account.role === Role.ADMIN) return 'ALREADY_ADMIN';
  account.role = Role.ADMIN;
  // Granting admin rights is itself an admin action; it happens outside any session.
  auditOperatorAction(em, 'promoteToAdmin', { type: 'Account', id: account.id }, { username: account.username });
  await em.flush();
  return 'PROMOTED';
}
