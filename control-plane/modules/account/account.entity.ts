import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { newId } from '../../../shared/ids.js';

export const Role = { USER: 'USER', ADMIN: 'ADMIN' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** A customer or administrator account (the policy's "Account Information"). */
@Entity({ tableName: 'account' })
export class Account {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** As the user typed it; uniqueness is on the canonical (lower-case) form. */
  @Property({ type: 'string', length: 32 })
  username!: string;

  @Property({ type: 'string', length: 32, unique: true })
  usernameCanonical!: string;

  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 254, unique: true })
  emailCanonical!: string;

  /** argon2id PHC string; the password itself is never stored. */
  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  @Property({ type: 'string', length: 16 })
  role: Opt<Role> = Role.USER;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  /** Set while the owner restricts processing: no analytics, no non-essential messages. */
  @Property({ type: 'datetime', nullable: true })
  processingRestrictedAt: Opt<Date> | null = null;

  /**
   * When an admin's lift of the restriction takes effect. The owner is told first and
   * may keep the restriction by setting it again before then (migration 0007).
   */
  @Property({ type: 'datetime', nullable: true })
  processingRestrictionLiftAt: Opt<Date> | null = null;

  /** Set while an admin has suspended the account: no login, keys refused. */
  @Property({ type: 'datetime', nullable: true })
  suspendedAt: Opt<Date> | null = null;

  /** Why an admin suspended the account (shown to admins only). */
  @Property({ type: 'string', length: 500, nullable: true })
  suspensionReason: Opt<string> | null = null;

  /** Set when the owner asked for deletion; the purge job erases the account within 30 days. */
  @Property({ type: 'datetime', nullable: true })
  deletionRequestedAt: Opt<Date> | null = null;
}
