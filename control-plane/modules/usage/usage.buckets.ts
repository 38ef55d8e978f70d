/** The width of one usage time bucket; buckets are aligned in UTC. */
export const Granularity = { HOUR: 'HOUR', DAY: 'DAY', MONTH: 'MONTH' } as const;
export type Granularity = (typeof Granularity)[keyof typeof Granularity];

/** The most buckets one usage query may span: a time series is a bounded list. */
export const MAX_BUCKETS = 1_000;

/** Usage instants lie in [1970, 9000): outside it a query is a mistake (and 9999 + a month is no timestamp). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9000, 0, 1);

/** Whether an instant given by a caller is within the span usage can be queried over. */
export function isQueryableInstant(at: Date): boolean {
  return at.getTime() >= EARLIEST && at.getTime() < LATEST;
}

/** The first instant of the bucket that contains `at`. */
export function bucketStart(at: Date, granularity: Granularity): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  switch (granularity) {
    case Granularity.HOUR:
      return new Date(Date.UTC(y, m, at.getUTCDate(), at.getUTCHours()));
    case Granularity.DAY:
      return new Date(Date.UTC(y, m, at.getUTCDate()));
    case Granularity.MONTH:
      return new Date(Date.UTC(y, m, 1));
  }
}

/** The start of the bucket `count` buckets after the one starting at `start`. */
export function addBuckets(start: Date, granularity: Granularity, count: number): Date {
  switch (granularity) {
    case Granularity.HOUR:
      return new Date(start.getTime() + count * 3_600_000);
    case Granularity.DAY:
      return new Date(start.getTime() + count * 86_400_000);
    case Granularity.MONTH:
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + count, 1));
  }
}

/** A query's range widened to whole buckets: `from` rounded down, `to` rounded up. */
export interface BucketRange {
  start: Date;
  end: Date;
  buckets: number;
}

/**
 * Widens [from, to) to whole buckets, so that every bucket returned covers its whole
 * [start, end) whatever instants the caller picked. Null when `to` is not after `from`.
 */
export function bucketRange(from: Date, to: Date, granularity: Granularity): BucketRange | null {
  if (to.getTime() <= from.getTime()) return null;
  const start = bucketStart(from, granularity);
  const lastStart = bucketStart(new Date(to.getTime() - 1), granularity);
  const buckets = bucketsBetween(start, lastStart, granularity) + 1;
  return { start, end: addBuckets(lastStart, granularity, 1), buckets };
}

function bucketsBetween(start: Date, later: Date, granularity: Granularity): number {
  switch (granularity) {
    case Granularity.HOUR:
      return Math.round((later.getTime() - start.getTime()) / 3_600_000);
    case Granularity.DAY:
      return Math.round((later.getTime() - start.getTime()) / 86_400_000);
    case Granularity.MONTH:
      return (later.getUTCFullYear() - start.getUTCFullYear()) * 12 + later.getUTCMonth() - start.getUTCMonth();
  }
}
