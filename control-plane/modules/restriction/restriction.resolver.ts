import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { fromGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Role } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';
import { auditAdminAction } from '../audit/audit.js';
import { scheduleRestrictionLift, setProcessingRestriction } from './restriction.service.js';
import { ProcessingRestrictionLiftPayload, ProcessingRestrictionSetPayload } from './restriction.types.js';

@Resolver()
export class RestrictionResolver {
  @Authorized()
  @Mutation(() => ProcessingRestrictionSetPayload, {
    description:
      'Restricts processing of my data (policy §6), or ends my restriction. While set, my data is left out of aggregate ' +
      'statistics and analytics and I get no non-essential messages; service, security and billing processing continue. ' +
      "Setting it again keeps it when an admin's lift is pending.",
  })
  async processingRestrictionSet(
    @Ctx() ctx: Context,
    @Arg('restricted', () => Boolean, { description: 'True to restrict processing, false to end the restriction.' }) restricted: boolean,
  ): Promise<ProcessingRestrictionSetPayload> {
    const account = await setProcessingRestriction(ctx.em, ctx.viewer!.account, restricted);
    return { account: AccountType.from(account), userErrors: [] };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ProcessingRestrictionLiftPayload, {
    description:
      "Lifts an account's restriction of processing after a notice period: the owner is told now, and may keep the " +
      'restriction by setting it again before it ends. Admins only.',
  })
  async processingRestrictionLift(
    @Ctx() ctx: Context,
    @Arg('accountId', () => ID, { description: 'The account whose restriction to lift.' }) accountId: string,
  ): Promise<ProcessingRestrictionLiftPayload> {
    const id = fromGlobalId(accountId, 'Account')?.id;
    const result = id
      ? await scheduleRestrictionLift(ctx.em, id, ctx.config.accountRights.restrictionLiftNoticeMs, {
          audit: (em, account) =>
            auditAdminAction(ctx, 'processingRestrictionLift', { type: 'Account', id: account.id }, { liftAt: account.processingRestrictionLiftAt }, em),
        })
      : { ok: false as const, problems: [{ field: ['accountId'], code: 'NOT_FOUND', message: 'No such account.' }] };
    return result.ok
      ? { account: AccountType.from(result.value), liftScheduledAt: result.value.processingRestrictionLiftAt, userErrors: [] }
      : { account: null, liftScheduledAt: null, userErrors: result.problems.map(UserError.from) };
  }
}
