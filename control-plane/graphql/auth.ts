import { getMetadataStorage, type AuthChecker, type MiddlewareFn } from 'type-graphql';
import { Role } from '../modules/account/account.entity.js';
import type { Context } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

/**
 * The operations anyone may call without logging in. Everything else must declare
 * `@Authorized()` (any logged-in account) or `@Authorized(Role.ADMIN)`; a root field
 * that declares nothing is refused at run time, and a test fails on it.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set(['Query.me', 'Mutation.signUp', 'Mutation.logIn', 'Mutation.logOut', 'Query.privacyPolicy']);

/** type-graphql's hook for `@Authorized(...roles)`. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  if (!context.viewer) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(context.viewer.account.role)) throw forbidden();
  return true;
};

/** Names of the resolver fields that carry an `@Authorized` declaration. */
export function authorizedFieldNames(): Set<string> {
  return new Set(getMetadataStorage().authorizedFields.map((f) => f.fieldName));
}

/** Deny by default: a root field is reachable only if it is public or declares its roles. */
export function denyByDefault(authorized: Set<string>): MiddlewareFn<Context> {
  return ({ info, context }, next) => {
    const isRoot = info.parentType === info.schema.getQueryType() || info.parentType === info.schema.getMutationType();
    if (!isRoot) return next();
    const key = `${info.parentType.name}.${info.fieldName}`;
    if (PUBLIC_OPERATIONS.has(key) || authorized.has(info.fieldName)) return next();
    context.logger.error({ field: key }, 'root field declares no access rule; refused');
    throw forbidden();
  };
}

/**
 * For fields of an account (its keys, its state, its policy acceptance): only the account
 * itself and admins may read them; anyone else is FORBIDDEN.
 */
export function assertOwnerOrAdmin(ctx: Context, accountId: string): void {
  const viewer = ctx.viewer;
  if (!viewer || (viewer.account.id !== accountId && viewer.account.role !== Role.ADMIN)) throw forbidden();
}
