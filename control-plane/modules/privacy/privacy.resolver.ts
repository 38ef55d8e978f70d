import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { UserError } from '../../graphql/user-error.js';
import { AccountType } from '../account/account.types.js';
import { changeUsername, requestEmailChange, verifyEmailChange } from './correction.service.js';
import {
  AccountEmailChangeInput,
  AccountEmailChangePayload,
  AccountEmailVerifyInput,
  AccountEmailVerifyPayload,
  AccountUsernameChangeInput,
  AccountUsernameChangePayload,
  PendingEmailChangeType,
} from './correction.types.js';
import { buildPrivacyReport } from './privacy-report.service.js';
import { PersonalDataCategoryType, PrivacyReportType } from './privacy-report.types.js';
import { EmailChange } from './privacy.entity.js';

/** The rights of access and correction (privacy policy §6). */
@Resolver()
export class PrivacyResolver {
  @Authorized()
  @Query(() => PrivacyReportType, {
    description: 'Everything TokenByte holds about me, by kind of data, with purpose and retention for each, and my records (privacy policy §6 "Access").',
  })
  async privacyReport(@Ctx() ctx: Context): Promise<PrivacyReportType> {
    const account = ctx.viewer!.account;
    const categories = await buildPrivacyReport(ctx.em, account.id);
    return Object.assign(new PrivacyReportType(), {
      generatedAt: new Date(),
      account: AccountType.from(account),
      categories: categories.map(PersonalDataCategoryType.from),
    });
  }

  @Authorized()
  @Mutation(() => AccountUsernameChangePayload, { description: 'Changes my username at once (privacy policy §6 "Correction").' })
  async accountUsernameChange(
    @Ctx() ctx: Context,
    @Arg('input', () => AccountUsernameChangeInput) input: AccountUsernameChangeInput,
  ): Promise<AccountUsernameChangePayload> {
    const result = await changeUsername(ctx.em, ctx.viewer!.account, input.username, ctx.meta);
    return result.ok ? { account: AccountType.from(result.value), userErrors: [] } : { account: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized()
  @Mutation(() => AccountEmailChangePayload, {
    description:
      'Asks to change my email address (privacy policy §6 "Correction"): a one-time code goes to the new address, and the old one is told. The address changes when the code comes back through accountEmailVerify.',
  })
  async accountEmailChange(
    @Ctx() ctx: Context,
    @Arg('input', () => AccountEmailChangeInput) input: AccountEmailChangeInput,
  ): Promise<AccountEmailChangePayload> {
    const result = await requestEmailChange(ctx.em, ctx.viewer!.account, input, ctx.meta);
    if (!result.ok) return { account: null, pendingEmailChange: null, userErrors: result.problems.map(UserError.from) };
    const { account, pending } = result.value;
    return { account: AccountType.from(account), pendingEmailChange: pending ? PendingEmailChangeType.from(pending) : null, userErrors: [] };
  }

  @Authorized()
  @Mutation(() => AccountEmailVerifyPayload, { description: 'Confirms a new email address with the one-time code mailed to it; the new address replaces the old one.' })
  async accountEmailVerify(
    @Ctx() ctx: Context,
    @Arg('input', () => AccountEmailVerifyInput) input: AccountEmailVerifyInput,
  ): Promise<AccountEmailVerifyPayload> {
    const result = await verifyEmailChange(ctx.em, ctx.viewer!.account, input.token, ctx.meta);
    return result.ok ? { account: AccountType.from(result.value), userErrors: [] } : { account: null, userErrors: result.problems.map(UserError.from) };
  }
}

@Resolver(() => AccountType)
export class AccountPendingEmailResolver {
  @FieldResolver(() => PendingEmailChangeType, {
    nullable: true,
    description: 'A new email address waiting for its code; null when none waits. Only the owner sees it.',
  })
  async pendingEmailChange(@Root() account: AccountType, @Ctx() ctx: Context): Promise<PendingEmailChangeType | null> {
    if (ctx.viewer?.account.id !== account.accountId) return null;
    const pending = await ctx.em.findOne(EmailChange, { account: account.accountId, expiresAt: { $gt: new Date() } }, { orderBy: { id: 'desc' } });
    return pending ? PendingEmailChangeType.from(pending) : null;
  }
}
