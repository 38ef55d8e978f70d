import { Migration } from '@mikro-orm/migrations';
import { newId } from '../../../shared/ids.js';
import { FIRST_POLICY_SUMMARY, FIRST_POLICY_VERSION, loadFirstPolicyText } from '../../modules/policy/policy-seed.js';

/**
 * Email delivery (a retry schedule on the outbox) and privacy-policy versions: the
 * versions, and which account saw (and at sign-up accepted) which. Seeds version "1"
 * with the policy's text, and records it as accepted by every existing account, who
 * signed up under it.
 */
export class Migration0005NotificationDeliveryPolicyVersions extends Migration {
  override name = '0005-notification-delivery-policy-versions';

  // Statements run in order through `execute` (inside the migration's transaction),
  // because the seed needs bound parameters.
  override async up(): Promise<void> {
    await this.execute(`alter table "email_outbox" add column "next_attempt_at" timestamptz null`);

    await this.execute(`create table "policy_version" (
      "id" uuid not null primary key,
      "version" varchar(32) not null constraint "policy_version_version_unique" unique,
      "summary" text not null,
      "body" text null,
      "url" varchar(2048) null,
      "published_at" timestamptz not null,
      "published_by_id" uuid null constraint "policy_version_published_by_id_foreign" references "account" ("id") on delete set null,
      "announced_through_account_id" uuid null,
      "announced_count" integer not null default 0,
      "announcement_completed_at" timestamptz null,
      constraint "policy_version_text_or_url_check" check ("body" is not null or "url" is not null))`);
    await this.execute(`create index "policy_version_published_at_index" on "policy_version" ("published_at")`);
    await this.execute(`create index "policy_version_published_by_id_index" on "policy_version" ("published_by_id")`);

    await this.execute(`create table "policy_view" (
      "id" uuid not null primary key,
      "account_id" uuid not null constraint "policy_view_account_id_foreign" references "account" ("id") on delete cascade,
      "policy_version_id" uuid not null constraint "policy_view_policy_version_id_foreign" references "policy_version" ("id") on delete restrict,
      "seen_at" timestamptz not null,
      "accepted_at" timestamptz null,
      constraint "policy_view_account_id_policy_version_id_unique" unique ("account_id", "policy_version_id"))`);
    await this.execute(`create index "policy_view_policy_version_id_id_index" on "policy_view" ("policy_version_id", "id")`);

    const first = newId();
    // Version 1 needs no announcement: it is the policy everyone signed up under.
    await this.execute(
      `insert into "policy_version" ("id", "version", "summary", "body", "published_at", "announcement_completed_at")
       values (?, ?, ?, ?, now(), now())`,
      [first, FIRST_POLICY_VERSION, FIRST_POLICY_SUMMARY, loadFirstPolicyText()],
    );
    // UUIDv7 ids from each account's sign-up time (PostgreSQL 15 has no uuidv7()):
    // the 48-bit millisecond timestamp over a random v4, version bits turned 0100 → 0111.
    await this.execute(
      `insert into "policy_view" ("id", "account_id", "policy_version_id", "seen_at", "accepted_at")
       select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                placing substring(int8send(floor(extract(epoch from a."created_at") * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid,
              a."id", ?, a."created_at", a."created_at"
       from "account" a`,
      [first],
    );
  }
}
