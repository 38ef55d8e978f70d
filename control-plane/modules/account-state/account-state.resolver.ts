import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { forbidden } from '../../graphql/errors.js';
import { assertOwnerOrAdmin } from '../../graphql/auth.js';
import { Role, type Account } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';

/**
 * The account's state as the privacy rights and suspension set it. Only the owner and
 * admins ever see an Account; each field checks it again, so that a future path to
 * another person's Account cannot leak these.
 */
@Resolver(() => AccountType)
export class AccountStateResolver {
  @FieldResolver(() => Boolean, { description: 'Whether an admin suspended the account: it cannot log in and its API keys are refused.' })
  async suspended(@Root() root: AccountType, @Ctx() ctx: Context): Promise<boolean> {
    return (await load(root, ctx)).suspendedAt !== null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the account was suspended; null when it is not.' })
  async suspendedAt(@Root() root: AccountType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await load(root, ctx)).suspendedAt;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Why the account was suspended. Admins only: null for everyone else.' })
  async suspensionReason(@Root() root: AccountType, @Ctx() ctx: Context): Promise<string | null> {
    const account = await load(root, ctx);
    return ctx.viewer?.account.role === Role.ADMIN ? account.suspensionReason : null;
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the owner restricted processing: no aggregate statistics, analytics or non-essential messages.',
  })
  async processingRestricted(@Root() root: AccountType, @Ctx() ctx: Context): Promise<boolean> {
    return (await load(root, ctx)).processingRestrictedAt !== null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Since when processing is restricted; null when it is not.' })
  async processingRestrictedAt(@Root() root: AccountType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await load(root, ctx)).processingRestrictedAt;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: "When an admin's lift of the restriction takes effect, unless the owner sets the restriction again first; null when none is pending.",
  })
  async processingRestrictionLiftScheduledAt(@Root() root: AccountType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await load(root, ctx)).processingRestrictionLiftAt;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the owner asked for deletion of the account; null when they did not.' })
  async deletionRequestedAt(@Root() root: AccountType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await load(root, ctx)).deletionRequestedAt;
  }
}

async function load(root: AccountType, ctx: Context): Promise<Account> {
  assertOwnerOrAdmin(ctx, root.accountId);
  const account = await ctx.loaders.account.load(root.accountId);
  // The account is gone (purged during this request): nothing to show, and nothing to leak.
  if (!account) throw forbidden();
  return account;
}
