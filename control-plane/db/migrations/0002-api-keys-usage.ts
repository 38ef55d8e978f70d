import { Migration } from '@mikro-orm/migrations';

/** API keys and usage events (the policy's "Usage Data": metadata only, never content). */
export class Migration0002ApiKeysUsage extends Migration {
  override name = '0002-api-keys-usage';

  override up(): void {
    this.addSql(`create table "api_key" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "api_key_account_id_foreign" references "account" ("id") on delete cascade,
      "name" varchar(100) not null,
      "key_id" varchar(16) not null constraint "api_key_key_id_unique" unique,
      "secret_hash" varchar(64) not null,
      "previous_secret_hash" varchar(64) null,
      "previous_valid_until" timestamptz null,
      "display_prefix" varchar(32) not null,
      "last_four" varchar(4) not null,
      "allowed_models" text[] null,
      "expires_at" timestamptz null,
      "revoked_at" timestamptz null,
      "last_used_at" timestamptz null,
      "created_at" timestamptz not null)`);
    this.addSql(`create index "api_key_account_id_index" on "api_key" ("account_id")`);

    // The request id (UUIDv7, time-ordered) with its time is the key: a replayed batch
    // inserts nothing twice, and the time column can later partition the table by month.
    this.addSql(`create table "usage_event" (
      "request_id" uuid not null,
      "created_at" timestamptz not null,
      "account_id" uuid null constraint "usage_event_account_id_foreign" references "account" ("id") on delete set null,
      "api_key_id" uuid null constraint "usage_event_api_key_id_foreign" references "api_key" ("id") on delete set null,
      "provider" varchar(32) not null,
      "model" varchar(128) not null,
      "input_tokens" bigint not null default 0,
      "cached_input_tokens" bigint not null default 0,
      "output_tokens" bigint not null default 0,
      "reasoning_tokens" bigint not null default 0,
      "usage_estimated" boolean not null default false,
      "status" varchar(16) not null,
      "http_status" smallint not null,
      "latency_ms" integer not null,
      "ttft_ms" integer null,
      "client_ip" varchar(64) null,
      "user_agent" varchar(512) null,
      constraint "usage_event_pkey" primary key ("request_id", "created_at"))`);
    this.addSql(`create index "usage_event_account_id_created_at_index" on "usage_event" ("account_id", "created_at")`);
    this.addSql(`create index "usage_event_api_key_id_created_at_index" on "usage_event" ("api_key_id", "created_at")`);
  }
}
