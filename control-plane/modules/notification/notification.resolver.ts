import { Arg, Args, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { fromGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Notification } from './notification.entity.js';
import {
  NotificationConnection,
  NotificationMarkReadPayload,
  NotificationsArgs,
  NotificationsMarkAllReadPayload,
  NotificationType,
} from './notification.types.js';

// Another account's notification is "not found", never "forbidden": ids reveal nothing.
const NOT_FOUND = [UserError.from({ field: ['id'], code: 'NOT_FOUND', message: 'No such notification.' })];

@Resolver(() => NotificationType)
export class NotificationResolver {
  @Authorized()
  @Query(() => NotificationConnection, { description: 'My in-service notifications (security alerts, privacy and legal notices, service messages), newest first.' })
  notifications(@Ctx() ctx: Context, @Args() args: NotificationsArgs) {
    const account = ctx.viewer!.account.id;
    return paginate(ctx.em, Notification, args.unreadOnly ? { account, readAt: null } : { account }, args, NotificationType.from);
  }

  @Authorized()
  @Query(() => Int, { description: 'How many of my notifications are unread.' })
  unreadNotificationCount(@Ctx() ctx: Context): Promise<number> {
    return ctx.em.count(Notification, { account: ctx.viewer!.account.id, readAt: null });
  }

  @Authorized()
  @Mutation(() => NotificationMarkReadPayload, { description: 'Marks one of my notifications as read (marking it again changes nothing).' })
  async notificationMarkRead(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The notification to mark.' }) id: string,
  ): Promise<NotificationMarkReadPayload> {
    const notificationId = fromGlobalId(id, 'Notification')?.id;
    const notification = notificationId ? await ctx.em.findOne(Notification, { id: notificationId, account: ctx.viewer!.account.id }) : null;
    if (!notification) return { notification: null, userErrors: NOT_FOUND };
    if (!notification.readAt) {
      notification.readAt = new Date();
      await ctx.em.flush();
    }
    return { notification: NotificationType.from(notification), userErrors: [] };
  }

  @Authorized()
  @Mutation(() => NotificationsMarkAllReadPayload, { description: 'Marks every unread notification of mine as read.' })
  async notificationsMarkAllRead(@Ctx() ctx: Context): Promise<NotificationsMarkAllReadPayload> {
    const markedCount = await ctx.em.nativeUpdate(Notification, { account: ctx.viewer!.account.id, readAt: null }, { readAt: new Date() });
    return { markedCount, userErrors: [] };
  }
}

/** A notification for `node(id)`: only the viewer's own. */
export async function findOwnNotification(ctx: Context, id: string): Promise<NotificationType | null> {
  const notification = await ctx.em.findOne(Notification, { id, account: ctx.viewer!.account.id });
  return notification ? NotificationType.from(notification) : null;
}
