import { Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { SecurityEvent } from './security-event.entity.js';
import { SecurityEventConnection, SecurityEventObject } from './security-event.types.js';

@Resolver(() => SecurityEventObject)
export class SecurityEventResolver {
  @Authorized()
  @Query(() => SecurityEventConnection, { description: 'Security events on my account (logins, failures, logouts, password changes, revocations), newest first.' })
  securityEvents(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return paginate(ctx.em, SecurityEvent, { account: ctx.viewer!.account.id }, args, SecurityEventObject.from);
  }
}
