import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { assertOwnerOrAdmin } from '../../graphql/auth.js';
import { fromGlobalId, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Role } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';
import { auditAdminAction } from '../audit/audit.js';
import { ApiKey } from './api-key.entity.js';
import {
  ApiKeyConnection,
  ApiKeyCreateInput,
  ApiKeyCreatePayload,
  ApiKeyRevokePayload,
  ApiKeyRotatePayload,
  ApiKeyType,
} from './api-key.types.js';

const NOT_FOUND = [UserError.from({ field: ['id'], code: 'NOT_FOUND', message: 'No such API key.' })];

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Authorized()
  @Mutation(() => ApiKeyCreatePayload, { description: 'Creates an API key for my account. The payload carries its secret, shown only this once.' })
  async apiKeyCreate(@Ctx() ctx: Context, @Arg('input', () => ApiKeyCreateInput) input: ApiKeyCreateInput): Promise<ApiKeyCreatePayload> {
    const result = await ctx.services.apiKeys.create(ctx.em, ctx.viewer!.account, input, ctx.meta);
    return result.ok
      ? { apiKey: ApiKeyType.from(result.value.apiKey), secret: result.value.secret, userErrors: [] }
      : { apiKey: null, secret: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized()
  @Mutation(() => ApiKeyRotatePayload, { description: 'Gives one of my keys a new secret; the old one keeps working for the grace period.' })
  async apiKeyRotate(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The key to rotate.' }) id: string,
    @Arg('gracePeriod', () => Int, { nullable: true, description: 'Seconds the old secret keeps working (0–604800; default 0: it stops at once).' })
    gracePeriod?: number | null,
  ): Promise<ApiKeyRotatePayload> {
    const keyId = fromGlobalId(id, 'ApiKey')?.id;
    if (!keyId) return { apiKey: null, secret: null, userErrors: NOT_FOUND };
    const result = await ctx.services.apiKeys.rotate(ctx.em, ctx.viewer!.account, keyId, gracePeriod ?? 0, ctx.meta);
    return result.ok
      ? { apiKey: ApiKeyType.from(result.value.apiKey), secret: result.value.secret, userErrors: [] }
      : { apiKey: null, secret: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized()
  @Mutation(() => ApiKeyRevokePayload, { description: 'Revokes a key at once, on every data-plane instance. Admins may revoke any key.' })
  async apiKeyRevoke(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The key to revoke.' }) id: string): Promise<ApiKeyRevokePayload> {
    const keyId = fromGlobalId(id, 'ApiKey')?.id;
    if (!keyId) return { apiKey: null, userErrors: NOT_FOUND };
    const viewer = ctx.viewer!.account;
    if (viewer.role === Role.ADMIN) {
      // An admin revoking someone else's key is an admin action: queued here, it is
      // written by the flush that revokes the key, in the same transaction.
      const key = await ctx.em.findOne(ApiKey, { id: keyId });
      if (key && key.account.id !== viewer.id) {
        const details = { owner: toGlobalId('Account', key.account.id), displayPrefix: key.displayPrefix, alreadyRevoked: key.revokedAt !== null };
        auditAdminAction(ctx, 'apiKeyRevoke', { type: 'ApiKey', id: keyId }, details);
      }
    }
    const result = await ctx.services.apiKeys.revoke(ctx.em, viewer, keyId, ctx.meta);
    if (!result.ok) return { apiKey: null, userErrors: result.problems.map(UserError.from) };
    // Revoking a key already revoked flushes nothing; the admin's attempt is still recorded.
    await ctx.em.flush();
    return { apiKey: ApiKeyType.from(result.value), userErrors: [] };
  }
}

@Resolver(() => AccountType)
export class AccountApiKeysResolver {
  @FieldResolver(() => ApiKeyConnection, { description: "The account's API keys, newest first (the owner and admins only)." })
  apiKeys(
    @Root() account: AccountType,
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('includeRevoked', () => Boolean, { defaultValue: false, description: 'Also list revoked keys.' }) includeRevoked: boolean,
  ) {
    assertOwnerOrAdmin(ctx, account.accountId);
    const where = includeRevoked ? { account: account.accountId } : { account: account.accountId, revokedAt: null };
    const now = new Date();
    return paginate(ctx.em, ApiKey, where, args, (key) => ApiKeyType.from(key, now));
  }
}
