import { getMetadataStorage, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Role } from '../account/account.entity.js';
import { wasAudited, writeAuditEntryNow } from './audit.js';

/** Names of the resolver fields only admins may call (`@Authorized(Role.ADMIN)`). */
export function adminOnlyFieldNames(): Set<string> {
  return new Set(
    getMetadataStorage()
      .authorizedFields.filter((f) => f.roles.length > 0 && f.roles.every((role) => role === Role.ADMIN))
      .map((f) => f.fieldName),
  );
}

/**
 * The safety net under "every admin action is written to an audit log": when an
 * admins-only mutation succeeds (no userErrors) without having called
 * `auditAdminAction`, this writes a generic entry for it (who, which mutation, when,
 * from where; no target, no arguments, which could hold secrets) and logs a warning
 * so that the mutation gets a proper call. Mutations open to users that admins may
 * also use on others' objects (apiKeyRevoke) must call the helper themselves.
 */
export function auditAdminMutations(adminOnly: ReadonlySet<string>): MiddlewareFn<Context> {
  return async ({ info, context }, next) => {
    // Runs for every field of every answer: anything but an admins-only mutation passes straight through.
    if (info.parentType !== info.schema.getMutationType() || !adminOnly.has(info.fieldName)) return next();
    const result: unknown = await next();
    if (!context.viewer || wasAudited(context) || hasUserErrors(result)) return result;
    context.logger.warn({ field: `Mutation.${info.fieldName}` }, 'admin mutation recorded no audit entry; a generic one was written');
    await writeAuditEntryNow(context, info.fieldName, null, { recordedBy: 'audit fallback: the mutation did not call auditAdminAction' });
    return result;
  };
}

function hasUserErrors(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || !('userErrors' in result)) return false;
  return Array.isArray(result.userErrors) && result.userErrors.length > 0;
}
