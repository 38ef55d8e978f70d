import type { Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import { NON_ESSENTIAL_TOPICS, Notification, OutboxEmail, type NotificationTopic } from './notification.entity.js';

export interface NotificationContent {
  topic: NotificationTopic;
  title: string;
  body: string;
  /** Also send it by email (default true). */
  email?: boolean;
  /** Send the email to this address instead of the account's (an email change being verified). */
  emailTo?: string;
}

/**
 * Queues a notification for the account: one entry in its in-service feed and, unless
 * told otherwise, one email in the outbox — both written by the caller's flush, in
 * the same transaction as the change they announce. Non-essential topics are
 * skipped for an account that restricted processing.
 * Never put secrets, prompts or completions into a notification.
 */
export function notify(em: Em, account: Account, content: NotificationContent): Notification | null {
  const essential = !NON_ESSENTIAL_TOPICS.has(content.topic);
  if (!essential && isProcessingRestricted(account)) return null;
  const notification = em.create(Notification, { account, topic: content.topic, essential, title: content.title, body: content.body });
  em.persist(notification);
  if (content.email !== false) {
    em.persist(em.create(OutboxEmail, { account, toAddress: content.emailTo ?? account.email, subject: content.title, body: content.body }));
  }
  return notification;
}

/** Whether the account asked TokenByte to restrict processing of its data. */
export function isProcessingRestricted(account: Account): boolean {
  return account.processingRestrictedAt !== null;
}
