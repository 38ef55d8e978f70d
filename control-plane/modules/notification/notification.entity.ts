import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/**
 * What a notification is about. Essential topics (security, privacy rights, billing,
 * service) are always sent; the others are "non-essential messages" that a
 * restriction of processing suppresses.
 */
export const NotificationTopic = {
  LOGIN_NEW_DEVICE: 'LOGIN_NEW_DEVICE',
  PASSWORD_CHANGED: 'PASSWORD_CHANGED',
  API_KEY_CREATED: 'API_KEY_CREATED',
  API_KEY_REVOKED: 'API_KEY_REVOKED',
  ACCOUNT_DELETION_REQUESTED: 'ACCOUNT_DELETION_REQUESTED',
  DATA_EXPORT_READY: 'DATA_EXPORT_READY',
  EMAIL_VERIFICATION: 'EMAIL_VERIFICATION',
  PROCESSING_RESTRICTION_LIFT: 'PROCESSING_RESTRICTION_LIFT',
  POLICY_UPDATED: 'POLICY_UPDATED',
  PRODUCT_NEWS: 'PRODUCT_NEWS',
} as const;
export type NotificationTopic = (typeof NotificationTopic)[keyof typeof NotificationTopic];

/** Topics a restriction of processing suppresses. Everything else is essential. */
export const NON_ESSENTIAL_TOPICS: ReadonlySet<NotificationTopic> = new Set([NotificationTopic.PRODUCT_NEWS]);

/** One entry of an account's in-service notification feed. */
@Entity({ tableName: 'notification' })
export class Notification {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 48 })
  topic!: NotificationTopic;

  @Property({ type: 'boolean' })
  essential!: boolean;

  @Property({ type: 'string', length: 200 })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  readAt: Opt<Date> | null = null;
}

export const EmailStatus = {
  /** Waiting for delivery (also: kept here while no SMTP server is configured). */
  PENDING: 'PENDING',
  SENT: 'SENT',
  /** Gave up after repeated failures. */
  FAILED: 'FAILED',
} as const;
export type EmailStatus = (typeof EmailStatus)[keyof typeof EmailStatus];

/** An email waiting for (or done with) delivery over SMTP. */
@Entity({ tableName: 'email_outbox' })
export class OutboxEmail {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade', nullable: true })
  account: Account | null = null;

  @Property({ type: 'string', length: 254 })
  toAddress!: string;

  @Property({ type: 'string', length: 200 })
  subject!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'string', length: 16 })
  status: Opt<EmailStatus> = EmailStatus.PENDING;

  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  @Property({ type: 'string', length: 500, nullable: true })
  lastError: Opt<string> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  sentAt: Opt<Date> | null = null;

  /**
   * Not before this time is it (re)tried: the lease of an attempt under way, or the
   * back-off after a failed one. Null: due now (migration 0005).
   */
  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt: Opt<Date> | null = null;
}
