import type { Em } from '../../db/orm.js';
import type { RequestMeta } from '../security-event/security-event.service.js';
import type { Session } from '../session/session.entity.js';
import { Account } from '../account/account.entity.js';
import { AdminAudit, type AuditDetails } from './admin-audit.entity.js';

/** What an admin action was done to: a GraphQL type name and the database id. */
export interface AuditTarget {
  type: string;
  id: string;
}

/** The part of the GraphQL context an audit entry needs (a resolver's `ctx` is one). */
export interface AuditContext {
  em: Em;
  viewer: Session | null;
  meta: RequestMeta;
}

/**
 * Records an admin change in the audit log. A service calls it just before the flush that
 * writes the change, on the entity manager of that flush, so the entry and the change
 * commit together; a resolver makes one with {@link auditHook}.
 */
export type AuditHook = (em: Em, target: AuditTarget, details: AuditDetails) => void;

/** The hook of a change made outside an admin request (seeding, tests): records nothing. */
export const noAudit: AuditHook = () => undefined;

/** The hook that records `action` as done by the request's admin (policy §4). */
export function auditHook(ctx: AuditContext, action: string): AuditHook {
  return (em, target, details) => {
    auditAdminAction(ctx, action, target, details, em);
  };
}

/** The username recorded for an action taken on the command line (`npm run admin`). */
export const OPERATOR = 'operator (cli)';

const MAX_DETAIL_STRING = 500;
const SECRET_KEY = /pass(word|phrase)?|secret|token|hash|pepper|cookie|authori[sz]ation|credential/i;

// Requests whose resolver recorded an entry; the fallback in audit.middleware.ts reads it.
const audited = new WeakSet<object>();

/**
 * Records an admin action in the audit log: who (the viewer, and their username at
 * the time), what (`action`: the GraphQL field name, e.g. `accountSuspend`), to what
 * (`target`), when, and from where (the request's IP and user agent). Call it in
 * every admin mutation, before the flush that writes the change:
 *
 *     auditAdminAction(ctx, 'accountSuspend', { type: 'Account', id: account.id }, { reason });
 *
 * The entry is queued on `em` (the request's by default; pass a transaction's) and
 * written by that flush, in the same transaction as the change: no change without
 * its entry, no entry without its change. Keys that look like secrets in `details`
 * are dropped, and long strings cut; still, put ids and facts there, not payloads.
 */
export function auditAdminAction(ctx: AuditContext, action: string, target?: AuditTarget | null, details?: AuditDetails, em: Em = ctx.em): AdminAudit {
  audited.add(ctx);
  const entry = newEntry(em, ctx, action, target ?? null, details ?? {});
  em.persist(entry);
  return entry;
}

/**
 * Records an admin's read of other people's data (a search of accounts, another
 * account's usage) at once, in a transaction of its own: a read has no change to
 * share one with, and nothing else pending on the request is flushed with it.
 */
export function auditAdminRead(ctx: AuditContext, action: string, target?: AuditTarget | null, details?: AuditDetails): Promise<void> {
  return writeAuditEntryNow(ctx, action, target ?? null, details ?? {});
}

/** Writes an entry at once on a fork of the request's entity manager (its own transaction). */
export async function writeAuditEntryNow(ctx: AuditContext, action: string, target: AuditTarget | null, details: AuditDetails): Promise<void> {
  audited.add(ctx);
  const em = ctx.em.fork();
  await em.persist(newEntry(em, ctx, action, target, details)).flush();
}

/** Records an action taken on the command line (no session, no address); written by the caller's flush. */
export function auditOperatorAction(em: Em, action: string, target: AuditTarget | null, details: AuditDetails = {}): AdminAudit {
  const entry = em.create(AdminAudit, { adminUsername: OPERATOR, action, targetType: target?.type ?? null, targetId: target?.id ?? null, details: scrub(details) });
  em.persist(entry);
  return entry;
}

/** Whether an entry was recorded for this request (by either helper). */
export function wasAudited(ctx: object): boolean {
  return audited.has(ctx);
}

function newEntry(em: Em, ctx: AuditContext, action: string, target: AuditTarget | null, details: AuditDetails): AdminAudit {
  const admin = ctx.viewer?.account ?? null;
  return em.create(AdminAudit, {
    admin: admin ? em.getReference(Account, admin.id) : null,
    adminUsername: admin?.username ?? OPERATOR,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    details: scrub(details),
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent?.slice(0, 512) ?? null,
  });
}

/** A copy of `details` without secret-looking keys, strings cut, depth bounded. */
export function scrub(details: AuditDetails, depth = 0): AuditDetails {
  const out: AuditDetails = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key)) continue;
    const clean = scrubValue(value, depth);
    if (clean !== undefined) out[key] = clean;
  }
  return out;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return value.length > MAX_DETAIL_STRING ? `${value.slice(0, MAX_DETAIL_STRING)}…` : value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= 3) return undefined;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => scrubValue(v, depth + 1) ?? null);
  if (typeof value === 'object') return scrub(value as AuditDetails, depth + 1);
  return undefined;
}
