import type { FilterQuery } from '@mikro-orm/core';
import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { badInput } from '../../graphql/errors.js';
import { fromGlobalId, requireGlobalId } from '../../graphql/node.js';
import { Role } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';
import { AdminAudit } from './admin-audit.entity.js';
import { AdminAuditEntryConnection, AdminAuditEntryType, AuditLogArgs } from './admin-audit.types.js';

@Resolver(() => AdminAuditEntryType)
export class AdminAuditResolver {
  @Authorized(Role.ADMIN)
  @Query(() => AdminAuditEntryConnection, { description: 'The audit log of admin actions, newest first, optionally filtered. Admins only.' })
  auditLog(@Ctx() ctx: Context, @Args() { filter, ...page }: AuditLogArgs) {
    const where: FilterQuery<AdminAudit>[] = [];
    if (filter?.admin) where.push({ admin: requireGlobalId(filter.admin, 'Account', 'filter.admin') });
    if (filter?.action) where.push({ action: filter.action });
    if (filter?.target) {
      const target = fromGlobalId(filter.target);
      if (!target) throw badInput('Not a valid id.', 'filter.target');
      where.push({ targetType: target.type, targetId: target.id });
    }
    if (filter?.from) where.push({ createdAt: { $gte: filter.from } });
    if (filter?.to) where.push({ createdAt: { $lt: filter.to } });
    return paginate(ctx.em, AdminAudit, where.length > 0 ? { $and: where } : {}, page, AdminAuditEntryType.from);
  }

  @FieldResolver(() => AccountType, { nullable: true })
  async admin(@Root() entry: AdminAuditEntryType, @Ctx() ctx: Context): Promise<AccountType | null> {
    const account = entry.adminId ? await ctx.loaders.account.load(entry.adminId) : null;
    return account ? AccountType.from(account) : null;
  }
}
