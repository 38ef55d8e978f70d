import type { Em } from '../../db/orm.js';

/*
 * The monthly partitions of `usage_event` (migration 0008). A month is a UTC calendar
 * month; its partition is named usage_event_yYYYYmMM and holds [first instant, first
 * instant of the next month). Rows of a month without a partition land in
 * usage_event_default, so that an insert never fails for want of a partition.
 *
 * Every change of partitions runs in a short transaction of its own that first takes
 * an advisory lock, so that two control-plane instances never race (the second one
 * then finds the work done), and a lock timeout, so that waiting for a long reader
 * never queues the data-plane's inserts behind it for long: the step fails and is
 * retried at the next run instead.
 */

export const USAGE_DEFAULT_PARTITION = 'usage_event_default';
const MONTHLY = /^usage_event_y(\d{4})m(\d{2})$/;
/** Any fixed number: it names the lock that serialises partition changes across instances. */
const PARTITION_LOCK = 710_825_008;
const LOCK_TIMEOUT = `set local lock_timeout = '3s'`;

export interface UsagePartition {
  name: string;
  /** The first instant of its month. */
  start: Date;
  /** The first instant of the next month. */
  end: Date;
}

/** The first instant of the UTC month `offset` months after the one containing `at`. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/** The partition that holds the month starting at `start`. */
export function usagePartitionFor(start: Date): UsagePartition {
  const name = `usage_event_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, start, end: monthStart(start, 1) };
}

/** The monthly partitions that exist, oldest first (the default partition is not one of them). */
export async function listUsagePartitions(em: Em): Promise<UsagePartition[]> {
  const rows = await em.execute<{ name: string }[]>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'usage_event'::regclass`,
  );
  const partitions: UsagePartition[] = [];
  for (const { name } of rows) {
    const match = MONTHLY.exec(name);
    if (match) partitions.push(usagePartitionFor(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1))));
  }
  return partitions.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The months that have rows in the default partition within [from, to). */
export async function monthsInDefaultPartition(em: Em, from: Date, to: Date): Promise<Date[]> {
  const rows = await em.execute<{ month: string }[]>(
    `select distinct to_char(date_trunc('month', created_at at time zone 'UTC'), 'YYYY-MM') as month
     from ${USAGE_DEFAULT_PARTITION} where created_at >= ?::timestamptz and created_at < ?::timestamptz`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => new Date(`${r.month}-01T00:00:00.000Z`)).sort((a, b) => a.getTime() - b.getTime());
}

/**
 * Creates the partition of the month starting at `start`, unless it exists. Rows of
 * that month waiting in the default partition move into it first (PostgreSQL refuses
 * a partition whose rows the default partition holds). The table is created apart
 * and then attached, which locks the parent far more lightly than CREATE … PARTITION OF.
 */
export async function createUsagePartition(em: Em, start: Date): Promise<{ created: boolean; movedRows: number }> {
  const partition = usagePartitionFor(start);
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(${PARTITION_LOCK})`);
    await tx.execute(LOCK_TIMEOUT);
    if (await tableExists(tx, partition.name)) return { created: false, movedRows: 0 };
    const [from, to] = [literal(partition.start), literal(partition.end)];
    // Attaching locks the default partition anyway (to check it); taking it first keeps
    // rows of this month from arriving there between the move and the attach.
    await tx.execute(`lock table ${USAGE_DEFAULT_PARTITION} in access exclusive mode`);
    await tx.execute(`create table "${partition.name}" (like usage_event including defaults including constraints)`);
    const moved = await tx.execute(
      `with moved as (delete from ${USAGE_DEFAULT_PARTITION} where created_at >= ${from} and created_at < ${to} returning *)
       insert into "${partition.name}" select * from moved`,
      [],
      'run',
    );
    await tx.execute(`alter table usage_event attach partition "${partition.name}" for values from (${from}) to (${to})`);
    return { created: true, movedRows: affected(moved) };
  });
}

/** Drops a monthly partition with all its rows; null when it is gone already. */
export async function dropUsagePartition(em: Em, partition: UsagePartition): Promise<number | null> {
  if (!MONTHLY.test(partition.name)) throw new Error(`not a monthly usage partition: ${partition.name}`);
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(${PARTITION_LOCK})`);
    await tx.execute(LOCK_TIMEOUT);
    if (!(await tableExists(tx, partition.name))) return null;
    const [row] = await tx.execute<{ rows: unknown }[]>(`select count(*) as rows from "${partition.name}"`);
    await tx.execute(`drop table "${partition.name}"`);
    return Number(row?.rows ?? 0);
  });
}

/** Deletes the usage rows older than `cutoff` wherever they are (pruning reads only the partitions that can hold any). */
export async function deleteUsageOlderThan(em: Em, cutoff: Date): Promise<number> {
  return affected(await em.execute(`delete from usage_event where created_at < ?::timestamptz`, [cutoff.toISOString()], 'run'));
}

async function tableExists(em: Em, name: string): Promise<boolean> {
  const rows = await em.execute(`select 1 from pg_class where relname = ? and relnamespace = current_schema()::regnamespace`, [name]);
  return rows.length > 0;
}

/** A timestamptz literal; only ever built from a Date, so nothing from outside reaches the SQL. */
function literal(at: Date): string {
  return `'${at.toISOString()}'::timestamptz`;
}

function affected(result: unknown): number {
  return typeof result === 'object' && result !== null && 'affectedRows' in result ? Number(result.affectedRows) : 0;
}
