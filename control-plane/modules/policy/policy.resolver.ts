import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { assertOwnerOrAdmin } from '../../graphql/auth.js';
import { fromGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Account, Role } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';
import { auditAdminAction, auditAdminRead } from '../audit/audit.js';
import { PolicyVersion, PolicyView } from './policy.entity.js';
import { policyLoaders } from './policy.loaders.js';
import { findCurrentPolicyVersion, POLICY_NOT_FOUND } from './policy.service.js';
import {
  PolicyVersionAudience,
  PolicyVersionConnection,
  PolicyVersionMarkSeenPayload,
  PolicyVersionPublishInput,
  PolicyVersionPublishPayload,
  PolicyVersionType,
  PolicyVersionViewConnection,
  PolicyVersionViewType,
} from './policy.types.js';

@Resolver(() => PolicyVersionType)
export class PolicyResolver {
  @Query(() => PolicyVersionType, { description: 'The privacy policy in force (its latest version). Public.' })
  async privacyPolicy(@Ctx() ctx: Context): Promise<PolicyVersionType> {
    const current = await findCurrentPolicyVersion(ctx.em);
    if (!current) throw new Error('no privacy policy version: migration 0005 seeds one', { cause: { code: 'POLICY_MISSING' } });
    return PolicyVersionType.from(current);
  }

  @Authorized(Role.ADMIN)
  @Query(() => PolicyVersionConnection, { description: 'Every version of the privacy policy, newest first, with who has seen each. Admins only.' })
  policyVersions(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return paginate(ctx.em, PolicyVersion, {}, args, PolicyVersionType.from);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => PolicyVersionPublishPayload, {
    description: 'Publishes a new version of the privacy policy, in force at once, and announces it to every account in-service and by email. Admins only.',
  })
  async policyVersionPublish(
    @Ctx() ctx: Context,
    @Arg('input', () => PolicyVersionPublishInput) input: PolicyVersionPublishInput,
  ): Promise<PolicyVersionPublishPayload> {
    const result = await ctx.services.policies.publish(ctx.em, ctx.viewer!.account, input, (version) =>
      auditAdminAction(ctx, 'policyVersionPublish', { type: 'PolicyVersion', id: version.id }, { version: version.version, url: version.url }),
    );
    if (!result.ok) return { policyVersion: null, userErrors: result.problems.map(UserError.from) };
    ctx.logger.info({ policyVersion: result.value.version }, 'privacy policy version published');
    return { policyVersion: PolicyVersionType.from(result.value), userErrors: [] };
  }

  @Authorized()
  @Mutation(() => PolicyVersionMarkSeenPayload, { description: 'Records that I have seen a version of the privacy policy (the first time counts).' })
  async policyVersionMarkSeen(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The policy version I have seen.' }) id: string,
  ): Promise<PolicyVersionMarkSeenPayload> {
    const versionId = fromGlobalId(id, 'PolicyVersion')?.id;
    if (!versionId) return { policyVersion: null, seenAt: null, userErrors: [UserError.from(POLICY_NOT_FOUND)] };
    const result = await ctx.services.policies.markSeen(ctx.em, ctx.viewer!.account, versionId);
    return result.ok
      ? { policyVersion: PolicyVersionType.from(result.value.version), seenAt: result.value.view.seenAt, userErrors: [] }
      : { policyVersion: null, seenAt: null, userErrors: result.problems.map(UserError.from) };
  }

  @FieldResolver(() => Boolean, { description: 'Whether this is the version in force.' })
  async current(@Root() version: PolicyVersionType, @Ctx() ctx: Context): Promise<boolean> {
    return (await policyLoaders(ctx.em).currentVersionId()) === version.versionId;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When I first saw this version (or accepted it at sign-up); null if I have not, or am not logged in.' })
  seenAt(@Root() version: PolicyVersionType, @Ctx() ctx: Context): Promise<Date | null> | null {
    return ctx.viewer ? policyLoaders(ctx.em).seenAt.load(`${ctx.viewer.account.id}:${version.versionId}`) : null;
  }

  @Authorized(Role.ADMIN)
  @FieldResolver(() => AccountType, { nullable: true, description: 'The admin who published it; null for version 1 (seeded) or a purged account. Admins only.' })
  async publishedBy(@Root() version: PolicyVersionType, @Ctx() ctx: Context): Promise<AccountType | null> {
    const account = version.publishedById ? await ctx.loaders.account.load(version.publishedById) : null;
    return account ? AccountType.from(account) : null;
  }

  @Authorized(Role.ADMIN)
  @FieldResolver(() => PolicyVersionAudience, { description: 'How many accounts were notified of this version and how many have seen it. Admins only.' })
  async audience(@Root() version: PolicyVersionType, @Ctx() ctx: Context): Promise<PolicyVersionAudience> {
    const [accountCount, seenCount, acceptedAtSignUpCount] = await Promise.all([
      ctx.em.count(Account, { deletionRequestedAt: null }),
      ctx.em.count(PolicyView, { policyVersion: version.versionId }),
      ctx.em.count(PolicyView, { policyVersion: version.versionId, acceptedAt: { $ne: null } }),
    ]);
    return Object.assign(new PolicyVersionAudience(), {
      accountCount,
      seenCount,
      acceptedAtSignUpCount,
      notifiedCount: version.announcedCount,
      announcementCompletedAt: version.announcementCompletedAt,
    });
  }

  @Authorized(Role.ADMIN)
  @FieldResolver(() => PolicyVersionViewConnection, { description: 'The accounts that have seen this version, most recent first. Admins only.' })
  async seenBy(@Root() version: PolicyVersionType, @Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    const page = await paginate(ctx.em, PolicyView, { policyVersion: version.versionId }, args, PolicyVersionViewType.from);
    // Which accounts saw what is other people's data: the read is audited like `accounts`.
    await auditAdminRead(ctx, 'PolicyVersion.seenBy', { type: 'PolicyVersion', id: version.versionId }, { accounts: page.nodes.map((v) => v.accountId) });
    return page;
  }
}

@Resolver(() => PolicyVersionViewType)
export class PolicyVersionViewResolver {
  @FieldResolver(() => AccountType, { description: 'The account.' })
  async account(@Root() view: PolicyVersionViewType, @Ctx() ctx: Context): Promise<AccountType> {
    const account = await ctx.loaders.account.load(view.accountId);
    if (!account) throw new Error('policy view of a missing account', { cause: { code: 'INCONSISTENT' } });
    return AccountType.from(account);
  }
}

@Resolver(() => AccountType)
export class AccountPolicyResolver {
  @FieldResolver(() => PolicyVersionType, {
    nullable: true,
    description: 'The privacy policy version this account accepted when it signed up (the owner and admins only).',
  })
  async acceptedPolicyVersion(@Root() account: AccountType, @Ctx() ctx: Context): Promise<PolicyVersionType | null> {
    const view = await acceptance(account, ctx);
    return view ? PolicyVersionType.from(view.policyVersion) : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When this account accepted acceptedPolicyVersion (the owner and admins only).' })
  async acceptedPolicyAt(@Root() account: AccountType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await acceptance(account, ctx))?.acceptedAt ?? null;
  }
}

function acceptance(account: AccountType, ctx: Context): Promise<PolicyView | null> {
  assertOwnerOrAdmin(ctx, account.accountId);
  return policyLoaders(ctx.em).acceptance.load(account.accountId);
}

/** A policy version for `node(id)`: any logged-in account may read the policy. */
export async function findPolicyVersionNode(ctx: Context, id: string): Promise<PolicyVersionType | null> {
  const version = await ctx.em.findOne(PolicyVersion, { id });
  return version ? PolicyVersionType.from(version) : null;
}
