import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { fromGlobalId } from '../../graphql/node.js';
import { recordSecurityEvent } from '../security-event/security-event.service.js';
import { SecurityEventType } from '../security-event/security-event.entity.js';
import { Session } from './session.entity.js';
import { SessionConnection, SessionRevokePayload, SessionType } from './session.types.js';

/** The filter for "still usable" sessions of an account. */
export function liveSessionsOf(accountId: string, idleTimeoutMs: number, now = new Date()) {
  return {
    account: accountId,
    revokedAt: null,
    expiresAt: { $gt: now },
    lastSeenAt: { $gt: new Date(now.getTime() - idleTimeoutMs) },
  };
}

@Resolver(() => SessionType)
export class SessionResolver {
  @Authorized()
  @Query(() => SessionConnection, { description: 'My active sessions, newest first.' })
  sessions(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    const viewer = ctx.viewer!;
    const where = liveSessionsOf(viewer.account.id, ctx.config.session.idleTimeoutMs);
    return paginate(ctx.em, Session, where, args, (s) => SessionType.from(s, viewer.id));
  }

  @Authorized()
  @Mutation(() => SessionRevokePayload, { description: 'Ends one of my sessions (the current one logs me out).' })
  async sessionRevoke(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The session to end.' }) id: string): Promise<SessionRevokePayload> {
    const viewer = ctx.viewer!;
    const sessionId = fromGlobalId(id, 'Session')?.id;
    // Another account's session is "not found", never "forbidden": ids reveal nothing.
    const session = sessionId
      ? await ctx.em.findOne(Session, { id: sessionId, account: viewer.account.id, revokedAt: null })
      : null;
    if (!session) {
      return { session: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND', message: 'No such active session.' }] };
    }
    ctx.services.sessions.revoke(session);
    recordSecurityEvent(ctx.em, viewer.account, SecurityEventType.SESSION_REVOKE, ctx.meta);
    await ctx.em.flush();
    if (session.id === viewer.id) ctx.sessionCookie.clear();
    return { session: SessionType.from(session, viewer.id), userErrors: [] };
  }
}
