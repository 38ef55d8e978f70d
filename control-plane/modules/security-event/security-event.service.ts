import type { Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import { SecurityEvent, type SecurityEventType } from './security-event.entity.js';

/** Where a request came from: stored on sessions and security events. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** Queues a security event on the unit of work; the caller's flush writes it. */
export function recordSecurityEvent(em: Em, account: Account, type: SecurityEventType, meta: RequestMeta): SecurityEvent {
  const event = em.create(SecurityEvent, { account, type, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) ?? null });
  em.persist(event);
  return event;
}
