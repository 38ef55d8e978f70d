import { Migration } from '@mikro-orm/migrations';

/** The in-service notification feed, the email outbox, and the account states the privacy rights need. */
export class Migration0004Notifications extends Migration {
  override name = '0004-notifications';

  override up(): void {
    this.addSql(`alter table "account"
      add column "processing_restricted_at" timestamptz null,
      add column "suspended_at" timestamptz null,
      add column "deletion_requested_at" timestamptz null`);

    this.addSql(`create table "notification" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "notification_account_id_foreign" references "account" ("id") on delete cascade,
      "topic" varchar(48) not null,
      "essential" boolean not null,
      "title" varchar(200) not null,
      "body" text not null,
      "created_at" timestamptz not null,
      "read_at" timestamptz null)`);
    this.addSql(`create index "notification_account_id_id_index" on "notification" ("account_id", "id")`);

    this.addSql(`create table "email_outbox" (
      "id" uuid not null primary key,
      "account_id" uuid null constraint "email_outbox_account_id_foreign" references "account" ("id") on delete cascade,
      "to_address" varchar(254) not null,
      "subject" varchar(200) not null,
      "body" text not null,
      "status" varchar(16) not null,
      "attempts" integer not null default 0,
      "last_error" varchar(500) null,
      "created_at" timestamptz not null,
      "sent_at" timestamptz null)`);
    this.addSql(`create index "email_outbox_status_created_at_index" on "email_outbox" ("status", "created_at")`);
  }
}
