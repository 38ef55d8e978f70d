import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/**
 * One published version of the privacy policy. Never changed after publication: what
 * an account accepted or saw must stay what it was. The latest `publishedAt` is current.
 */
@Entity({ tableName: 'policy_version' })
export class PolicyVersion {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** The label people cite ("1", "2024-06", "2.1"). */
  @Property({ type: 'string', length: 32, unique: true })
  version!: string;

  /** What changed, in a few sentences: the body of the announcement. */
  @Property({ type: 'text' })
  summary!: string;

  /** The full text, when it is kept here. */
  @Property({ type: 'text', nullable: true })
  body: Opt<string> | null = null;

  /** Where the full text is published, when it lives elsewhere. */
  @Property({ type: 'string', length: 2048, nullable: true })
  url: Opt<string> | null = null;

  @Property({ type: 'datetime' })
  publishedAt: Opt<Date> = new Date();

  /** The admin who published it; null for the seeded first version (or once that admin is purged). */
  @ManyToOne(() => Account, { nullable: true, deleteRule: 'set null' })
  publishedBy: Account | null = null;

  /**
   * The announcement's progress: accounts are notified in id order, one batch per
   * transaction, and this is the last account id done (null: none yet).
   */
  @Property({ type: 'uuid', nullable: true })
  announcedThroughAccountId: Opt<string> | null = null;

  /** How many accounts the announcement reached so far. */
  @Property({ type: 'integer' })
  announcedCount: Opt<number> = 0;

  /** When every account had been notified; null while the announcement runs. */
  @Property({ type: 'datetime', nullable: true })
  announcementCompletedAt: Opt<Date> | null = null;
}

/**
 * That an account has seen a policy version — and, when `acceptedAt` is set, accepted
 * it at sign-up. One row per account and version.
 */
@Entity({ tableName: 'policy_view' })
@Unique({ properties: ['account', 'policyVersion'] })
@Index({ properties: ['policyVersion', 'id'] })
export class PolicyView {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @ManyToOne(() => PolicyVersion, { deleteRule: 'restrict' })
  policyVersion!: PolicyVersion;

  @Property({ type: 'datetime' })
  seenAt: Opt<Date> = new Date();

  /** Set when the account accepted this version by signing up under it. */
  @Property({ type: 'datetime', nullable: true })
  acceptedAt: Opt<Date> | null = null;
}
