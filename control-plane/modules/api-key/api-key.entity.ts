import { ArrayType, type Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/**
 * An API key. The key itself is never stored: only its HMAC-SHA256 under the
 * server's pepper, and the parts that are safe to show (prefix, last four).
 */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The public id embedded in the key; how the data-plane finds the row. */
  @Property({ type: 'string', length: 16, unique: true })
  keyId!: string;

  @Property({ type: 'string', length: 64, hidden: true })
  secretHash!: string;

  /** After a rotation: the old key's hash, accepted until previousValidUntil. */
  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  previousSecretHash: Opt<string> | null = null;

  @Property({ type: 'datetime', nullable: true })
  previousValidUntil: Opt<Date> | null = null;

  @Property({ type: 'string', length: 32 })
  displayPrefix!: string;

  @Property({ type: 'string', length: 4 })
  lastFour!: string;

  /** Public model names the key may call; null means every model. */
  @Property({ type: ArrayType, columnType: 'text[]', nullable: true })
  allowedModels: Opt<string[]> | null = null;

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Opt<Date> | null = null;

  /** Written by the data-plane, at most about once a minute per key. */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();
}
