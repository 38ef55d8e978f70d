import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { NotificationTopic, type Notification } from './notification.entity.js';

// A Record, so that a new topic does not compile until it is described here.
const TOPIC_DESCRIPTIONS: Record<NotificationTopic, string> = {
  LOGIN_NEW_DEVICE: 'Security alert: a login from an IP address or device not seen before.',
  PASSWORD_CHANGED: 'Security alert: the password was changed.',
  API_KEY_CREATED: 'Security alert: an API key was created.',
  API_KEY_REVOKED: 'Security alert: an API key was revoked.',
  ACCOUNT_DELETION_REQUESTED: 'Privacy: the deletion of the account was requested.',
  DATA_EXPORT_READY: 'Privacy: a requested export of my data is ready to download.',
  EMAIL_VERIFICATION: 'Account: a code to confirm a new email address.',
  PROCESSING_RESTRICTION_LIFT: 'Privacy: an administrator is about to lift my restriction of processing.',
  POLICY_UPDATED: 'Legal notice: a new version of the privacy policy was published.',
  PRODUCT_NEWS: 'Non-essential: news about TokenByte. Not sent while processing is restricted.',
};

registerEnumType(NotificationTopic, {
  name: 'NotificationTopic',
  description: 'What a notification is about.',
  valuesConfig: Object.fromEntries(Object.entries(TOPIC_DESCRIPTIONS).map(([topic, description]) => [topic, { description }])),
});

@ObjectType('Notification', { implements: Node, description: 'One entry of my in-service notification feed (most are also emailed).' })
export class NotificationType extends Node {
  @Field(() => NotificationTopic, { description: 'What it is about.' })
  topic!: NotificationTopic;

  @Field({ description: 'Essential notifications (security, privacy rights, legal, service) are sent even while processing is restricted.' })
  essential!: boolean;

  @Field({ description: 'A one-line title (also the email subject).' })
  title!: string;

  @Field({ description: 'The plain-text message.' })
  body!: string;

  @Field({ description: 'When it was sent.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When I marked it as read; null while unread.' })
  readAt!: Date | null;

  static from(notification: Notification): NotificationType {
    return Object.assign(new NotificationType(), {
      id: toGlobalId('Notification', notification.id),
      topic: notification.topic,
      essential: notification.essential,
      title: notification.title,
      body: notification.body,
      createdAt: notification.createdAt,
      readAt: notification.readAt,
    });
  }
}

export const NotificationConnection = Connection('Notification', NotificationType, 'A page of notifications, newest first.');

@ArgsType()
export class NotificationsArgs extends ConnectionArgs {
  @Field({ defaultValue: false, description: 'Only the notifications not yet marked as read.' })
  unreadOnly!: boolean;
}

@ObjectType({ description: 'The result of notificationMarkRead.' })
export class NotificationMarkReadPayload {
  @Field(() => NotificationType, { nullable: true, description: 'The notification, now read; null when userErrors is not empty.' })
  notification!: NotificationType | null;

  @Field(() => [UserError], { description: 'Why nothing was marked: NOT_FOUND.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of notificationsMarkAllRead.' })
export class NotificationsMarkAllReadPayload {
  @Field(() => Int, { description: 'How many unread notifications were marked as read.' })
  markedCount!: number;

  @Field(() => [UserError], { description: 'Always empty: marking all as read cannot fail for a business reason.' })
  userErrors!: UserError[];
}
