import { Migration } from '@mikro-orm/migrations';

/**
 * The privacy rights of access, correction and export (policy §6): email changes
 * waiting for verification, and data exports with their archives and download links.
 * Every token is stored as its SHA-256 only; the archive lives in the database so
 * that any control-plane instance can serve it.
 */
export class Migration0006PrivacyAccessCorrectionExport extends Migration {
  override name = '0006-privacy-access-correction-export';

  override up(): void {
    this.addSql(`create table "email_change" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "email_change_account_id_foreign" references "account" ("id") on delete cascade,
      "new_email" varchar(254) not null,
      "new_email_canonical" varchar(254) not null,
      "token_hash" varchar(64) not null constraint "email_change_token_hash_unique" unique,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null)`);
    this.addSql(`create index "email_change_account_id_index" on "email_change" ("account_id")`);
    this.addSql(`create index "email_change_expires_at_index" on "email_change" ("expires_at")`);

    this.addSql(`create table "data_export" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "data_export_account_id_foreign" references "account" ("id") on delete cascade,
      "status" varchar(16) not null constraint "data_export_status_check" check ("status" in ('PENDING', 'BUILDING', 'READY', 'FAILED', 'EXPIRED')),
      "created_at" timestamptz not null,
      "started_at" timestamptz null,
      "attempts" integer not null default 0,
      "completed_at" timestamptz null,
      "expires_at" timestamptz null,
      "size_bytes" integer null,
      "sha256" varchar(64) null)`);
    this.addSql(`create index "data_export_account_id_id_index" on "data_export" ("account_id", "id")`);
    this.addSql(`create index "data_export_status_index" on "data_export" ("status")`);

    // One row per archive, apart from the export's row, so that listing exports never
    // reads the archive and expiring one is a plain delete of this row.
    this.addSql(`create table "data_export_archive" (
      "data_export_id" uuid not null primary key constraint "data_export_archive_data_export_id_foreign" references "data_export" ("id") on delete cascade,
      "content" bytea not null,
      "created_at" timestamptz not null)`);

    this.addSql(`create table "data_export_link" (
      "id" uuid not null primary key,
      "data_export_id" uuid not null constraint "data_export_link_data_export_id_foreign" references "data_export" ("id") on delete cascade,
      "token_hash" varchar(64) not null constraint "data_export_link_token_hash_unique" unique,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null)`);
    this.addSql(`create index "data_export_link_data_export_id_index" on "data_export_link" ("data_export_id")`);
    this.addSql(`create index "data_export_link_expires_at_index" on "data_export_link" ("expires_at")`);
  }
}
