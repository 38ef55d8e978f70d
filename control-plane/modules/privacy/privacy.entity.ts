import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import { Account } from '../account/account.entity.js';

/**
 * A new email address waiting for its owner to prove they read it. Until then the
 * account keeps its old address; the row is deleted once verified, superseded or expired.
 */
@Entity({ tableName: 'email_change' })
export class EmailChange {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 254 })
  newEmail!: string;

  @Property({ type: 'string', length: 254 })
  newEmailCanonical!: string;

  /** SHA-256 of the one-time code mailed to the new address; the code itself is never stored. */
  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}

export const DataExportStatus = {
  /** Requested; waiting for the build-exports job. */
  PENDING: 'PENDING',
  /** A job is building the archive. */
  BUILDING: 'BUILDING',
  /** The archive can be downloaded until `expiresAt`. */
  READY: 'READY',
  /** The build failed repeatedly; request a new export. */
  FAILED: 'FAILED',
  /** The archive was deleted when it expired. */
  EXPIRED: 'EXPIRED',
} as const;
export type DataExportStatus = (typeof DataExportStatus)[keyof typeof DataExportStatus];

/**
 * A machine-readable copy of an account's data, asked for by its owner (policy §6
 * "Export"). The archive itself is in `data_export_archive` (read and written in SQL).
 */
@Entity({ tableName: 'data_export' })
export class DataExport {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Account, { deleteRule: 'cascade' })
  account!: Account;

  @Property({ type: 'string', length: 16 })
  status: Opt<DataExportStatus> = DataExportStatus.PENDING;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  startedAt: Opt<Date> | null = null;

  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  @Property({ type: 'datetime', nullable: true })
  completedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Opt<Date> | null = null;

  @Property({ type: 'integer', nullable: true })
  sizeBytes: Opt<number> | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  sha256: Opt<string> | null = null;
}

/** A download link of a ready export: only the SHA-256 of its token is stored. */
@Entity({ tableName: 'data_export_link' })
export class DataExportLink {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => DataExport, { deleteRule: 'cascade' })
  dataExport!: DataExport;

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
