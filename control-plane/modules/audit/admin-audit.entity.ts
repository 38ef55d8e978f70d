import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/** JSON-serialisable details of an admin action. */
export type AuditDetails = Record<string, unknown>;

/**
 * One admin action (policy §4, role-based access): who did what to what, when and
 * from where. Kept for the retention period like every access log.
 */
@Entity({ tableName: 'admin_audit' })
@Index({ properties: ['targetType', 'targetId'] })
export class AdminAudit {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** The admin; null once that account is deleted (the username below still says who). */
  @ManyToOne(() => Account, { nullable: true, deleteRule: 'set null', index: true })
  admin: Account | null = null;

  /** The admin's username at the time, or `operator (cli)` for a command-line action. */
  @Property({ type: 'string', length: 64 })
  adminUsername!: string;

  /** What was done: the GraphQL field name (for example `apiKeyRevoke`, `accounts`). */
  @Property({ type: 'string', length: 64 })
  action!: string;

  /** The GraphQL type of what it was done to (for example `Account`), if one thing. */
  @Property({ type: 'string', length: 32, nullable: true })
  targetType: Opt<string> | null = null;

  /** Its database id: no foreign key, the trail outlives the thing. */
  @Property({ type: 'uuid', nullable: true })
  targetId: Opt<string> | null = null;

  /** Arguments and facts worth keeping; never a secret (see `auditAdminAction`). */
  @Property({ type: 'json' })
  details: Opt<AuditDetails> = {};

  @Property({ type: 'datetime', index: true })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'string', length: 64, nullable: true })
  ip: Opt<string> | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: Opt<string> | null = null;
}
