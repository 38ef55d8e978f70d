import type { Em } from '../../db/orm.js';
import { AdminAudit } from '../audit/admin-audit.entity.js';
import { JobRun } from '../job-run/job-run.entity.js';
import { SecurityEvent } from '../security-event/security-event.entity.js';
import { Session } from '../session/session.entity.js';
import {
  createUsagePartition,
  deleteUsageOlderThan,
  dropUsagePartition,
  listUsagePartitions,
  monthStart,
  monthsInDefaultPartition,
} from './usage-partitions.js';

/** What one retention run did; every count is of things that existed before the run. */
export interface RetentionCounts {
  usagePartitionsCreated: number;
  usageRowsMovedOutOfDefault: number;
  usagePartitionsDropped: number;
  usageRowsDropped: number;
  usageRowsDeleted: number;
  securityEventsDeleted: number;
  sessionsDeleted: number;
  adminAuditEntriesDeleted: number;
  jobRunsDeleted: number;
}

/**
 * The instant `months` calendar months before `at`, in UTC; a day the earlier month
 * lacks becomes its last day (31 March less one month is 28 or 29 February).
 */
export function monthsBefore(at: Date, months: number): Date {
  const target = monthStart(at, -months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()),
  );
}

/**
 * Removes what is older than the retention period (policy §5: usage logs and access
 * logs at most 12 months) and prepares the coming months. Exactly the records older
 * than `now` less `retentionMonths` go: whole monthly partitions of usage events are
 * dropped once their month is entirely past the cutoff; the one month that straddles
 * it, and strays in the default partition, lose only their older rows (run hourly,
 * that is about an hour of calls each time, never a mass delete). Idempotent: a
 * second run, or a run on another instance, finds nothing left to do.
 */
export async function runRetention(em: Em, options: { retentionMonths: number; now: Date }): Promise<RetentionCounts> {
  const { now, retentionMonths } = options;
  if (!Number.isInteger(retentionMonths) || retentionMonths < 1) throw new RangeError(`retentionMonths must be a positive integer, got ${retentionMonths}`);
  const cutoff = monthsBefore(now, retentionMonths);
  const counts: RetentionCounts = {
    usagePartitionsCreated: 0,
    usageRowsMovedOutOfDefault: 0,
    usagePartitionsDropped: 0,
    usageRowsDropped: 0,
    usageRowsDeleted: 0,
    securityEventsDeleted: 0,
    sessionsDeleted: 0,
    adminAuditEntriesDeleted: 0,
    jobRunsDeleted: 0,
  };

  // This month and the next always have a partition; so does every retained month
  // whose rows wait in the default partition (written while no partition existed).
  const afterNext = monthStart(now, 2);
  const wanted = new Map([monthStart(now), monthStart(now, 1)].map((m) => [m.getTime(), m]));
  for (const m of await monthsInDefaultPartition(em, monthStart(cutoff), afterNext)) wanted.set(m.getTime(), m);
  const existing = new Set((await listUsagePartitions(em)).map((p) => p.start.getTime()));
  for (const month of [...wanted.values()].sort((a, b) => a.getTime() - b.getTime())) {
    if (existing.has(month.getTime())) continue;
    const { created, movedRows } = await createUsagePartition(em, month);
    if (created) counts.usagePartitionsCreated += 1;
    counts.usageRowsMovedOutOfDefault += movedRows;
  }

  for (const partition of await listUsagePartitions(em)) {
    if (partition.end.getTime() > cutoff.getTime()) continue;
    const rows = await dropUsagePartition(em, partition);
    if (rows === null) continue;
    counts.usagePartitionsDropped += 1;
    counts.usageRowsDropped += rows;
  }
  counts.usageRowsDeleted = await deleteUsageOlderThan(em, cutoff);

  counts.securityEventsDeleted = await em.nativeDelete(SecurityEvent, { createdAt: { $lt: cutoff } });
  // A session is an access log: it goes 12 months after the login (it ended long before).
  counts.sessionsDeleted = await em.nativeDelete(Session, { createdAt: { $lt: cutoff } });
  counts.adminAuditEntriesDeleted = await em.nativeDelete(AdminAudit, { createdAt: { $lt: cutoff } });
  counts.jobRunsDeleted = await em.nativeDelete(JobRun, { startedAt: { $lt: cutoff } });
  return counts;
}
