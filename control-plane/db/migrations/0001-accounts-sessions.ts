import { Migration } from '@mikro-orm/migrations';

/** Accounts, sessions, security events and the login throttle. */
export class Migration0001AccountsSessions extends Migration {
  override name = '0001-accounts-sessions';

  override up(): void {
    this.addSql(`create table "account" (
      "id" uuid not null primary key,
      "username" varchar(32) not null,
      "username_canonical" varchar(32) not null constraint "account_username_canonical_unique" unique,
      "email" varchar(254) not null,
      "email_canonical" varchar(254) not null constraint "account_email_canonical_unique" unique,
      "password_hash" text not null,
      "role" varchar(16) not null default 'USER' constraint "account_role_check" check ("role" in ('USER', 'ADMIN')),
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null)`);

    this.addSql(`create table "session" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "session_account_id_foreign" references "account" ("id") on delete cascade,
      "token_hash" varchar(64) not null constraint "session_token_hash_unique" unique,
      "created_at" timestamptz not null,
      "last_seen_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "revoked_at" timestamptz null,
      "ip" varchar(64) null,
      "user_agent" varchar(512) null)`);
    this.addSql(`create index "session_account_id_revoked_at_index" on "session" ("account_id", "revoked_at")`);

    this.addSql(`create table "security_event" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "security_event_account_id_foreign" references "account" ("id") on delete cascade,
      "type" varchar(32) not null,
      "created_at" timestamptz not null,
      "ip" varchar(64) null,
      "user_agent" varchar(512) null)`);
    this.addSql(`create index "security_event_account_id_created_at_index" on "security_event" ("account_id", "created_at")`);

    this.addSql(`create table "login_failure" (
      "id" uuid not null primary key,
      "login_hash" varchar(64) not null,
      "ip" varchar(64) not null,
      "created_at" timestamptz not null)`);
    this.addSql(`create index "login_failure_created_at_index" on "login_failure" ("created_at")`);
    this.addSql(`create index "login_failure_ip_created_at_index" on "login_failure" ("ip", "created_at")`);
    this.addSql(`create index "login_failure_login_hash_created_at_index" on "login_failure" ("login_hash", "created_at")`);
  }
}
