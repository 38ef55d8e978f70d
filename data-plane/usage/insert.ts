import { USAGE_EVENT_COLUMNS, usageEventRow, type UsageEvent } from '../../shared/usage-event.js';
import type { SqlClient } from '../../shared/sql.js';

/**
 * Bind parameters per statement. PostgreSQL takes 65,535, but PGlite 0.5.x reports
 * success for a statement with 32,768 or more, writes nothing, and answers every later
 * query on that instance with no rows (found by trying it; also electric-sql PGlite
 * users' report nicia-ai/typegraph#315). The SqlClient does not say which backend it
 * is, so the lower limit holds for both.
 */
const MAX_BIND_PARAMETERS = 32_767;

/** The most rows one multi-row INSERT may carry (1,638 with 20 columns). */
export const MAX_ROWS_PER_INSERT = Math.floor(MAX_BIND_PARAMETERS / USAGE_EVENT_COLUMNS.length);

const COLUMN_LIST = USAGE_EVENT_COLUMNS.map((c) => `"${c}"`).join(', ');

/** A row the database refused for a reason retrying will not fix. */
export interface RejectedEvent {
  event: UsageEvent;
  /** SQLSTATE (e.g. 23503 foreign-key violation) or MALFORMED when the row could not even be built. */
  code: string;
}

/** What became of one batch: every event ends up in exactly one of inserted, rejected or remaining. */
export interface InsertOutcome {
  /** Events the database acknowledged (new rows, or rows that already existed). */
  inserted: number;
  rejected: RejectedEvent[];
  /** Events not yet written because the database failed in a way that may pass (empty when `error` is unset). */
  remaining: UsageEvent[];
  /** The transient failure that stopped the batch, if any. */
  error?: unknown;
}

/** Builds one idempotent multi-row INSERT: a replayed event hits its primary key and inserts nothing. */
export function buildUsageInsert(events: readonly UsageEvent[]): { text: string; values: unknown[] } {
  if (events.length === 0 || events.length > MAX_ROWS_PER_INSERT) {
    throw new RangeError(`a usage insert takes 1..${MAX_ROWS_PER_INSERT} rows, got ${events.length}`);
  }
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const event of events) {
    const row = rowOf(event);
    const base = values.length;
    tuples.push(`(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`);
    values.push(...row);
  }
  const text =
    `INSERT INTO usage_event (${COLUMN_LIST}) VALUES ${tuples.join(', ')} ` +
    `ON CONFLICT (request_id, created_at) DO NOTHING`;
  return { text, values };
}

/**
 * Inserts a batch; when the database rejects it for a row-level reason, bisects to
 * isolate the offending rows (about 2·log2(n) statements per bad row instead of n),
 * so one bad event neither blocks nor sinks the others. Stops at the first transient
 * failure and reports what is left, in order, for the caller to spool.
 */
export async function insertIsolating(
  sql: SqlClient,
  events: readonly UsageEvent[],
  timeoutMs: number,
): Promise<InsertOutcome> {
  const outcome: InsertOutcome = { inserted: 0, rejected: [], remaining: [] };
  // Ranges are taken left to right, so everything before the current range is settled
  // and everything from its start onwards is not: that is what "remaining" means.
  const stack: [number, number][] = [[0, events.length]];
  for (let range = stack.pop(); range; range = stack.pop()) {
    const [lo, hi] = range;
    if (lo >= hi) continue;
    try {
      const { text, values } = buildUsageInsert(events.slice(lo, hi));
      await withTimeout(sql.query(text, values), timeoutMs);
      outcome.inserted += hi - lo;
    } catch (err) {
      if (!isPermanentRowError(err)) {
        outcome.remaining = events.slice(lo);
        outcome.error = err;
        return outcome;
      }
      const only = events[lo];
      if (hi - lo === 1 && only) {
        outcome.rejected.push({ event: only, code: errorCode(err) ?? 'UNKNOWN' });
      } else {
        const mid = lo + Math.floor((hi - lo) / 2);
        stack.push([mid, hi], [lo, mid]);
      }
    }
  }
  return outcome;
}

/**
 * True for failures caused by the rows themselves, which no retry will cure:
 * SQLSTATE class 22 (data exception: bad uuid, value too long, out of range) and
 * class 23 (integrity: a foreign key whose key row was deleted, a NULL in a NOT NULL).
 * Everything else (refused connections, timeouts, shutdowns, even a missing table)
 * is treated as passing: keeping an event and retrying is always safer than dropping it.
 */
export function isPermanentRowError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'MALFORMED' || (code !== undefined && /^2[23][0-9A-Z]{3}$/.test(code));
}

/** The error's code (SQLSTATE, errno name or ours), if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * What may be logged about a database error. SQL errors are logged by SQLSTATE only:
 * their message and detail can quote row values (an IP, a user agent). Errors without
 * a SQLSTATE (refused connections, timeouts) carry no row data, so their message helps.
 */
export function loggableError(err: unknown): { code?: string; message?: string } {
  const code = errorCode(err);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return { code };
  return { code, message: err instanceof Error ? err.message : String(err) };
}

function rowOf(event: UsageEvent): unknown[] {
  try {
    return usageEventRow(event);
  } catch (cause) {
    // Only a corrupted spool line can get here (typed events always build a row).
    throw Object.assign(new Error('malformed usage event', { cause }), { code: 'MALFORMED' });
  }
}

/**
 * A stalled database (a half-open connection) would otherwise hold the batch, and the
 * one flush allowed in flight, forever. Giving up is safe: if the statement commits
 * after all, the spooled copy is a duplicate that ON CONFLICT DO NOTHING absorbs.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`usage insert timed out after ${ms} ms`), { code: 'USAGE_INSERT_TIMEOUT' }));
    }, ms);
  });
  // The abandoned query may still fail later; that must not become an unhandled rejection.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
