import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { UserError } from '../../graphql/user-error.js';
import { requestAccountDeletion } from './deletion.service.js';
import { AccountDeletionRequestInput, AccountDeletionRequestPayload } from './deletion.types.js';

@Resolver()
export class DeletionResolver {
  @Authorized()
  @Mutation(() => AccountDeletionRequestPayload, {
    description:
      'Requests deletion of my account and its data (policy §6). At once: every session ends, every API key is refused on every ' +
      'data-plane instance, logging in is no longer possible, and a confirmation is emailed. The personal data is purged within ' +
      '30 days; usage records are kept for billing without any link to me or my IP.',
  })
  async accountDeletionRequest(
    @Ctx() ctx: Context,
    @Arg('input', () => AccountDeletionRequestInput) input: AccountDeletionRequestInput,
  ): Promise<AccountDeletionRequestPayload> {
    const result = await requestAccountDeletion(ctx.em, ctx.viewer!.account.id, input.password, {
      purgeAfterMs: ctx.config.accountRights.purgeAfterMs,
      meta: ctx.meta,
    });
    if (!result.ok) return { requestedAt: null, purgeScheduledAt: null, userErrors: result.problems.map(UserError.from) };
    ctx.sessionCookie.clear();
    return { requestedAt: result.value.requestedAt, purgeScheduledAt: result.value.purgeScheduledAt, userErrors: [] };
  }
}
