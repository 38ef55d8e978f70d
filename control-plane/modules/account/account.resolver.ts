import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { UserError } from '../../graphql/user-error.js';
import { auditAdminRead } from '../audit/audit.js';
import { Account, Role } from './account.entity.js';
import { canonicalEmail, canonicalUsername } from './account.service.js';
import {
  AccountConnection,
  AccountType,
  LogInInput,
  LogInPayload,
  LogOutPayload,
  PasswordChangeInput,
  PasswordChangePayload,
  SignUpInput,
  SignUpPayload,
} from './account.types.js';

@Resolver(() => AccountType)
export class AccountResolver {
  @Query(() => AccountType, { nullable: true, description: 'The logged-in account, or null when not logged in. Public.' })
  me(@Ctx() ctx: Context): AccountType | null {
    return ctx.viewer ? AccountType.from(ctx.viewer.account) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => AccountConnection, { description: 'All accounts, newest first, optionally filtered by username or email prefix. Admins only.' })
  async accounts(
    @Ctx() ctx: Context,
    @Args() args: ConnectionArgs,
    @Arg('query', () => String, { nullable: true, description: 'A username or email prefix (case-insensitive).' }) query?: string | null,
  ) {
    const prefix = query?.trim();
    const where = prefix
      ? { $or: [{ usernameCanonical: { $like: `${escapeLike(canonicalUsername(prefix))}%` } }, { emailCanonical: { $like: `${escapeLike(canonicalEmail(prefix))}%` } }] }
      : {};
    const page = await paginate(ctx.em, Account, where, args, AccountType.from);
    // Who looked at whose account data (policy §4): the search and the accounts it showed.
    await auditAdminRead(ctx, 'accounts', null, { query: prefix ?? null, after: args.after ?? null, accounts: page.nodes.map((a) => a.id) });
    return page;
  }

  @Mutation(() => SignUpPayload, { description: 'Creates an account. Public. Log in afterwards with logIn.' })
  async signUp(@Ctx() ctx: Context, @Arg('input', () => SignUpInput) input: SignUpInput): Promise<SignUpPayload> {
    const result = await ctx.services.accounts.signUp(ctx.em, input, ctx.meta);
    return result.ok
      ? { account: AccountType.from(result.value), userErrors: [] }
      : { account: null, userErrors: result.problems.map(UserError.from) };
  }

  @Mutation(() => LogInPayload, { description: 'Logs in with a username or email and sets the session cookie. Public.' })
  async logIn(@Ctx() ctx: Context, @Arg('input', () => LogInInput) input: LogInInput): Promise<LogInPayload> {
    const result = await ctx.services.accounts.logIn(ctx.em, input.login, input.password, ctx.meta);
    if (!result.ok) return { account: null, userErrors: result.problems.map(UserError.from) };
    // A login replaces whatever session this client had.
    if (ctx.viewer) {
      ctx.services.sessions.revoke(ctx.viewer);
      await ctx.em.flush();
    }
    ctx.sessionCookie.set(result.value.token, result.value.session.expiresAt);
    return { account: AccountType.from(result.value.account), userErrors: [] };
  }

  @Mutation(() => LogOutPayload, { description: 'Ends the current session and clears its cookie. Public (a no-op when not logged in).' })
  async logOut(@Ctx() ctx: Context): Promise<LogOutPayload> {
    ctx.sessionCookie.clear();
    if (!ctx.viewer) return { loggedOut: false };
    await ctx.services.accounts.logOut(ctx.em, ctx.viewer, ctx.meta);
    return { loggedOut: true };
  }

  @Authorized()
  @Mutation(() => PasswordChangePayload, { description: 'Changes the password and ends every other session of the account.' })
  async passwordChange(
    @Ctx() ctx: Context,
    @Arg('input', () => PasswordChangeInput) input: PasswordChangeInput,
  ): Promise<PasswordChangePayload> {
    const viewer = ctx.viewer!;
    const result = await ctx.services.accounts.changePassword(ctx.em, viewer, input.currentPassword, input.newPassword, ctx.meta);
    return result.ok
      ? { account: AccountType.from(result.value), userErrors: [] }
      : { account: null, userErrors: result.problems.map(UserError.from) };
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
