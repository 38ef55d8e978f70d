import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

export const SecurityEventType = {
  SIGN_UP: 'SIGN_UP',
  LOGIN_SUCCESS: 'LOGIN_SUCCESS',
  LOGIN_FAILURE: 'LOGIN_FAILURE',
  LOGIN_THROTTLED: 'LOGIN_THROTTLED',
  LOGOUT: 'LOGOUT',
  PASSWORD_CHANGE: 'PASSWORD_CHANGE',
  SESSION_REVOKE: 'SESSION_REVOKE',
  API_KEY_CREATE: 'API_KEY_CREATE',
  API_KEY_ROTATE: 'API_KEY_ROTATE',
  API_KEY_REVOKE: 'API_KEY_REVOKE',
  USERNAME_CHANGE: 'USERNAME_CHANGE',
  EMAIL_CHANGE_REQUEST: 'EMAIL_CHANGE_REQUEST',
  EMAIL_CHANGE: 'EMAIL_CHANGE',
  DATA_EXPORT_REQUEST: 'DATA_EXPORT_REQUEST',
  DATA_EXPORT_DOWNLOAD: 'DATA_EXPORT_DOWNLOAD',
} as const;
export type SecurityEventType = (typeof SecurityEventType)[keyof typeof SecurityEventType];

/** A security-relevant event on an account (the policy's "Technical Information"). */
@Entity({ tableName: 'security_event' })
@Index({ properties: ['account', 'createdAt'] })
export class SecurityEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 32 })
  type!: SecurityEventType;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'string', length: 64, nullable: true })
  ip: Opt<string> | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: Opt<string> | null = null;
}

/**
 * One failed login, kept only for the throttle window. Keyed by a hash of the login
 * as typed (not by account), so throttling behaves the same whether or not the
 * account exists and reveals nothing about it.
 */
@Entity({ tableName: 'login_failure' })
@Index({ properties: ['loginHash', 'createdAt'] })
@Index({ properties: ['ip', 'createdAt'] })
export class LoginFailure {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'string', length: 64 })
  loginHash!: string;

  @Property({ type: 'string', length: 64 })
  ip!: string;

  @Property({ type: 'datetime', index: true })
  createdAt: Opt<Date> = new Date();
}
