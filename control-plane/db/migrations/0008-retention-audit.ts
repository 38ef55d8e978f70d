import { Migration } from '@mikro-orm/migrations';

/*
 * Rebuilds `usage_event` as a table partitioned by month, generically: whatever
 * columns, constraints, indexes, triggers, grants and foreign keys (both ways) it has
 * when this runs — earlier migrations (0003 added cost columns and a foreign key) are
 * carried over without being named here. `LIKE … INCLUDING ALL` copies the columns,
 * defaults, NOT NULL and CHECK constraints, comments and statistics; it cannot copy
 * indexes under their own names (the old table still holds them), nor foreign keys,
 * triggers or grants, so those are read from the catalogue first and replayed once
 * the old table is gone. Months are UTC; partitions are named usage_event_yYYYYmMM.
 */
const PARTITION_USAGE_EVENT = `
do $migration$
declare
  old_table constant regclass := 'usage_event'::regclass;
  item record;
  replay text[] := '{}';
  inbound text[] := '{}';
  table_comment text := obj_description('usage_event'::regclass, 'pg_class');
  month timestamptz;
  statement text;
begin
  -- Month boundaries are UTC whatever the session's zone (date_trunc and month arithmetic follow it).
  perform set_config('TimeZone', 'UTC', true);
  -- Constraints backed by an index (primary key, unique, exclusion) first, then foreign keys.
  for item in
    select conname, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = old_table and contype in ('p', 'u', 'x', 'f')
    order by case contype when 'p' then 0 when 'u' then 1 when 'x' then 2 else 3 end, conname
  loop
    replay := replay || format('alter table usage_event add constraint %I %s', item.conname, item.def);
  end loop;
  -- Plain indexes (not those behind a constraint); their definitions name "usage_event".
  for item in
    select pg_get_indexdef(i.indexrelid) as def from pg_index i
    where i.indrelid = old_table and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = old_table)
    order by i.indexrelid
  loop
    replay := replay || item.def;
  end loop;
  for item in select pg_get_triggerdef(oid) as def from pg_trigger where tgrelid = old_table and not tgisinternal order by tgname loop
    replay := replay || item.def;
  end loop;
  for item in
    select a.privilege_type, a.grantee from pg_class c cross join lateral aclexplode(c.relacl) a
    where c.oid = old_table and a.grantee <> c.relowner
  loop
    replay := replay || format('grant %s on usage_event to %s', item.privilege_type,
      case when item.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(item.grantee)) end);
  end loop;
  -- Foreign keys of other tables that point at usage_event must let go of the old table.
  for item in
    select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint
    where confrelid = old_table and conrelid <> old_table and contype = 'f'
  loop
    execute format('alter table %s drop constraint %I', item.tbl, item.conname);
    inbound := inbound || format('alter table %s add constraint %I %s', item.tbl, item.conname, item.def);
  end loop;

  alter table usage_event rename to usage_event_unpartitioned;
  create table usage_event (like usage_event_unpartitioned including all excluding indexes) partition by range (created_at);
  create table usage_event_default partition of usage_event default;
  -- A partition for every month that has rows, up to the next one, and for this and the next month.
  for month in
    select distinct date_trunc('month', at) from (
      select created_at as at from usage_event_unpartitioned
      union all select now() union all select date_trunc('month', now()) + interval '1 month'
    ) instants
    where at < date_trunc('month', now()) + interval '2 months'
    order by 1
  loop
    execute format('create table %I partition of usage_event for values from (%L) to (%L)',
      to_char(month, '"usage_event_y"YYYY"m"MM'), month, month + interval '1 month');
  end loop;
  insert into usage_event select * from usage_event_unpartitioned;
  drop table usage_event_unpartitioned;

  foreach statement in array replay || inbound loop
    execute statement;
  end loop;
  if table_comment is not null then
    execute format('comment on table usage_event is %L', table_comment);
  end if;
end
$migration$`;

/**
 * Retention, the admin audit log and job runs (policy §4 and §5): usage events
 * partitioned by month so that the retention job drops whole months instead of
 * deleting rows; indexes for the retention deletes; the audit log of admin actions;
 * the record of every run of a periodic job.
 */
export class Migration0008RetentionAudit extends Migration {
  override name = '0008-retention-audit';

  override up(): void {
    this.addSql(PARTITION_USAGE_EVENT);
    // BRIN: tiny for append-mostly time-ordered rows; serves the retention trim and the
    // all-account statistics, which have no account id to lead an index with.
    this.addSql(`create index "usage_event_created_at_brin_index" on "usage_event" using brin ("created_at")`);
    this.addSql(`create index "security_event_created_at_index" on "security_event" ("created_at")`);
    this.addSql(`create index "session_created_at_index" on "session" ("created_at")`);

    // The admin's username is kept beside the (nullable) reference, so that who did it
    // stays readable after the admin's account is deleted. The target is a plain id,
    // not a foreign key: the trail of an action outlives what it acted on.
    this.addSql(`create table "admin_audit" (
      "id" uuid not null primary key,
      "admin_id" uuid null constraint "admin_audit_admin_id_foreign" references "account" ("id") on delete set null,
      "admin_username" varchar(64) not null,
      "action" varchar(64) not null,
      "target_type" varchar(32) null,
      "target_id" uuid null,
      "details" jsonb not null default '{}',
      "created_at" timestamptz not null,
      "ip" varchar(64) null,
      "user_agent" varchar(512) null)`);
    this.addSql(`create index "admin_audit_created_at_index" on "admin_audit" ("created_at")`);
    this.addSql(`create index "admin_audit_admin_id_index" on "admin_audit" ("admin_id")`);
    this.addSql(`create index "admin_audit_target_type_target_id_index" on "admin_audit" ("target_type", "target_id")`);

    this.addSql(`create table "job_run" (
      "id" uuid not null primary key,
      "job" varchar(64) not null,
      "started_at" timestamptz not null,
      "finished_at" timestamptz null,
      "outcome" varchar(16) not null constraint "job_run_outcome_check" check ("outcome" in ('RUNNING', 'SUCCEEDED', 'FAILED')),
      "counts" jsonb not null default '{}',
      "error" varchar(500) null)`);
    this.addSql(`create index "job_run_job_id_index" on "job_run" ("job", "id")`);
    this.addSql(`create index "job_run_started_at_index" on "job_run" ("started_at")`);
  }
}
