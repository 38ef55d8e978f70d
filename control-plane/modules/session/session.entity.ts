import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/** A login session. Only the SHA-256 of its token is stored; the token lives in the cookie. */
@Entity({ tableName: 'session' })
@Index({ properties: ['account', 'revokedAt'] })
export class Session {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  lastSeenAt: Opt<Date> = new Date();

  /** The absolute timeout: no activity extends a session past this. */
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Opt<Date> | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  ip: Opt<string> | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: Opt<string> | null = null;
}
