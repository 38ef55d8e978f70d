import { Migration } from '@mikro-orm/migrations';

/**
 * Deletion, restriction of processing and suspension: the scheduled lift of a
 * restriction (an admin's lift waits out a notice period), the reason for a
 * suspension, and indexes for the jobs that look for due purges and lifts.
 */
export class Migration0007AccountRights extends Migration {
  override name = '0007-account-rights';

  override up(): void {
    this.addSql(`alter table "account"
      add column "processing_restriction_lift_at" timestamptz null,
      add column "suspension_reason" varchar(500) null`);
    // Partial: almost every account has neither, and the jobs only look for those that do.
    this.addSql(`create index "account_deletion_requested_at_index" on "account" ("deletion_requested_at")
      where "deletion_requested_at" is not null`);
    this.addSql(`create index "account_processing_restriction_lift_at_index" on "account" ("processing_restriction_lift_at")
      where "processing_restriction_lift_at" is not null`);
  }
}
