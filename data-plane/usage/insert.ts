import { USAGE_EVENT_COLUMNS, usageEventRow, type UsageEvent } from '../../shared/usage-event.js';
import type { SqlClient } from '../../shared/sql.js';

/**
 * The most rows one INSERT may carry. The statement has one array parameter per
 * column whatever the batch size (no bind-parameter limit applies), but PGlite runs it
 * on the data-plane's own thread, blocking every request meanwhile; the cap bounds that
 * pause, the statement's memory and the work of bisecting a batch with a bad row.
 */
export const MAX_ROWS_PER_INSERT = 5_000;

type UsageEventColumn = (typeof USAGE_EVENT_COLUMNS)[number];

/**
 * Each column's array parameter: its element type — the column's own, except varchar
 * travels as text, so the INSERT's assignment cast still fails a value too long with
 * 22001 (a `::varchar(n)[]` cast would truncate it silently) — and the one JS type
 * its values may have. Both drivers write a JS array as an array literal with every
 * non-null element quoted and escaped (proved in test/data-plane/usage/insert.test.ts),
 * but each turns another JS type into text its own way: an object becomes JSON in pg
 * and "[object Object]" in PGlite; a non-boolean for a boolean column goes to the server
 * from pg, while PGlite throws an error without a SQLSTATE, which would pass for an
 * outage and hold the batch forever. So only the declared type reaches them; anything
 * else is a corrupted spool line, MALFORMED.
 */
const COLUMN_TYPES: Record<UsageEventColumn, { element: string; js: 'string' | 'number' | 'boolean' }> = {
  request_id: { element: 'uuid', js: 'string' },
  created_at: { element: 'timestamptz', js: 'string' },
  account_id: { element: 'uuid', js: 'string' },
  api_key_id: { element: 'uuid', js: 'string' },
  provider: { element: 'text', js: 'string' },
  model: { element: 'text', js: 'string' },
  input_tokens: { element: 'bigint', js: 'number' },
  cached_input_tokens: { element: 'bigint', js: 'number' },
  output_tokens: { element: 'bigint', js: 'number' },
  reasoning_tokens: { element: 'bigint', js: 'number' },
  usage_estimated: { element: 'boolean', js: 'boolean' },
  status: { element: 'text', js: 'string' },
  http_status: { element: 'smallint', js: 'number' },
  latency_ms: { element: 'integer', js: 'number' },
  ttft_ms: { element: 'integer', js: 'number' },
  client_ip: { element: 'text', js: 'string' },
  user_agent: { element: 'text', js: 'string' },
  cache_write_tokens: { element: 'bigint', js: 'number' },
  price_version_id: { element: 'uuid', js: 'string' },
  // A decimal string: a JS number would round a cost past 2^53.
  cost_picousd: { element: 'bigint', js: 'string' },
  cache_write_1h_tokens: { element: 'bigint', js: 'number' },
};

const COLUMNS = USAGE_EVENT_COLUMNS.map((name) => ({ name, ...COLUMN_TYPES[name] }));
const COLUMN_LIST = COLUMNS.map((c) => `"${c.name}"`).join(', ');
const ARRAYS = COLUMNS.map((c, i) => `$${i + 1}::${c.element}[]`).join(', ');

/**
 * One statement for any batch size: an array per column, unnested into rows. Its text
 * and its 20 parameters never change, so parsing and planning it costs as much for
 * 5,000 rows as for one. (A VALUES list took 20 parameters per row, and PGlite 0.5
 * reports success for a statement of 32,768 or more, writes nothing, and answers every
 * later query on that instance with no rows: nicia-ai/typegraph#315.)
 */
const INSERT_TEXT =
  `INSERT INTO usage_event (${COLUMN_LIST}) SELECT * FROM unnest(${ARRAYS}) AS t(${COLUMN_LIST}) ` +
  `ON CONFLICT (request_id, created_at) DO NOTHING`;

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

/**
 * Builds one idempotent INSERT of 1..{@link MAX_ROWS_PER_INSERT} events, one array
 * parameter per column: a replayed event hits its primary key and inserts nothing.
 */
export function buildUsageInsert(events: readonly UsageEvent[]): { text: string; values: unknown[][] } {
  if (events.length === 0 || events.length > MAX_ROWS_PER_INSERT) {
    throw new RangeError(`a usage insert takes 1..${MAX_ROWS_PER_INSERT} rows, got ${events.length}`);
  }
  const values = COLUMNS.map(() => new Array<unknown>(events.length));
  for (const [r, event] of events.entries()) {
    const row = rowOf(event);
    for (const [c, array] of values.entries()) array[r] = row[c];
  }
  return { text: INSERT_TEXT, values };
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
    return usageEventRow(event).map((value, i) => {
      const column = COLUMNS[i];
      if (value === null || value === undefined) return null;
      if (typeof value !== column?.js) throw new TypeError(`${column?.name ?? i} is not a ${column?.js ?? 'column'}`);
      return value;
    });
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
