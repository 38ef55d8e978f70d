import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Em } from '../../db/orm.js';
import type { Context } from '../../graphql/context.js';
import { fromGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Role } from '../account/account.entity.js';
import type { Result } from '../account/account.service.js';
import type { Account } from '../account/account.entity.js';
import { AccountType } from '../account/account.types.js';
import { auditAdminAction } from '../audit/audit.js';
import { suspendAccount, unsuspendAccount } from './suspension.service.js';
import { AccountSuspendPayload, AccountUnsuspendPayload } from './suspension.types.js';

const notFound: Result<Account> = { ok: false, problems: [{ field: ['id'], code: 'NOT_FOUND', message: 'No such account.' }] };

function payload(result: Result<Account>): AccountSuspendPayload {
  return result.ok ? { account: AccountType.from(result.value), userErrors: [] } : { account: null, userErrors: result.problems.map(UserError.from) };
}

@Resolver()
export class SuspensionResolver {
  @Authorized(Role.ADMIN)
  @Mutation(() => AccountSuspendPayload, {
    description:
      "Suspends an account: its sessions end, it can no longer log in, and every data-plane instance refuses its API keys " +
      'within a second. Admins only.',
  })
  async accountSuspend(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The account to suspend.' }) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why (at most 500 characters); shown to admins only.' }) reason?: string | null,
  ): Promise<AccountSuspendPayload> {
    const accountId = fromGlobalId(id, 'Account')?.id;
    // The reason stays on the account (and goes with it when it is purged); the trail only says one was given.
    const audit = (tx: Em, account: Account) =>
      auditAdminAction(ctx, 'accountSuspend', { type: 'Account', id: account.id }, { reasonGiven: Boolean(reason?.trim()) }, tx);
    return payload(accountId ? await suspendAccount(ctx.em, ctx.viewer!.account, accountId, reason ?? null, { audit }) : notFound);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => AccountUnsuspendPayload, {
    description: 'Ends a suspension: the account can log in again and its keys that were not revoked work again. Admins only.',
  })
  async accountUnsuspend(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The account to unsuspend.' }) id: string,
  ): Promise<AccountUnsuspendPayload> {
    const accountId = fromGlobalId(id, 'Account')?.id;
    const audit = (tx: Em, account: Account) => auditAdminAction(ctx, 'accountUnsuspend', { type: 'Account', id: account.id }, {}, tx);
    return payload(accountId ? await unsuspendAccount(ctx.em, accountId, { audit }) : notFound);
  }
}
