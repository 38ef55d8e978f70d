import type { Logger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';
import type { UsageEvent } from '../../shared/usage-event.js';
import { insertIsolating, loggableError, MAX_ROWS_PER_INSERT, type InsertOutcome, type RejectedEvent } from './insert.js';
import { replaySegment, type ReplayDeps } from './replay.js';
import { createLock, retryDelayMs } from './serial.js';
import { createSpool } from './spool.js';
import type { UsageSink } from './types.js';

/** Request ids per log line: enough to find the events, bounded so a big batch cannot flood the log. */
const MAX_LOGGED_IDS = 100;

export interface UsageWriterOptions {
  sql: SqlClient;
  /** This instance's own spool directory (`DATA_DIR/spool/<instance>`); never shared by two live writers. */
  spoolDir: string;
  logger: Logger;
  /** Rows per INSERT (default 500, at most MAX_ROWS_PER_INSERT = 5,000, see insert.ts). */
  batchSize?: number;
  /** How long a recorded event may wait for a batch to fill (default 100 ms). */
  flushIntervalMs?: number;
  /** First delay before retrying the database after a failure, doubled up to 30 s (default 1 s). */
  retryIntervalMs?: number;
  /** An INSERT taking longer counts as failed and its batch is spooled (default 15 s). */
  queryTimeoutMs?: number;
}

export interface UsageWriterStats {
  /** Events held only in memory: buffered, in flight, or refused by both the database and the disk. */
  pending: number;
  /** Events in spool segments on disk, waiting for the database. */
  spooled: number;
  /** Events the database acknowledged (including replays of rows that already existed). */
  written: number;
  /** Events the database refused for good, moved to the dead-letter file. */
  deadLettered: number;
}

export interface UsageWriter extends UsageSink {
  /** Writes everything recorded so far: to the database, or to the spool while it is away; then replays the spool if the database is up. */
  flush(): Promise<void>;
  /** Stops the timers and writes what is pending to the database, or to the spool if it is unreachable. */
  close(): Promise<void>;
  stats(): UsageWriterStats;
}

/**
 * Creates the usage writer: `record()` only buffers; batches are inserted off the
 * request path, one flush at a time. A batch the database cannot take is spooled to
 * disk and replayed with backoff; rows it refuses for good go to the dead-letter file.
 *
 * Durability: an event is safe once its INSERT committed or its spool segment is
 * fsynced. Until then it lives only in memory — normally for at most `flushIntervalMs`
 * plus one INSERT, up to `queryTimeoutMs` while an INSERT hangs, and for as long as
 * both the database and the disk refuse it. A graceful `close()` saves it; a hard
 * crash (kill -9, OOM, power loss) loses it.
 */
export function createUsageWriter(options: UsageWriterOptions): UsageWriter {
  const batchSize = options.batchSize ?? 500;
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const retryIntervalMs = options.retryIntervalMs ?? 1_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 15_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ROWS_PER_INSERT) {
    throw new RangeError(`batchSize must be an integer in 1..${MAX_ROWS_PER_INSERT}`);
  }
  for (const [name, value] of Object.entries({ flushIntervalMs, retryIntervalMs, queryTimeoutMs })) {
    if (!(value > 0)) throw new RangeError(`${name} must be positive`);
  }
  const { sql } = options;
  const log = options.logger.child({ component: 'usage-writer' });
  const spool = createSpool({ dir: options.spoolDir, logger: log });
  const lock = createLock();

  const buffer: UsageEvent[] = [];
  let inFlight = 0;
  /** Batches neither the database nor the disk would take; retried with the spool. */
  const stranded: UsageEvent[][] = [];
  let written = 0;
  let deadLettered = 0;
  /** While set, flushes go straight to the spool: waiting out a connect timeout per batch would pile events up in memory. */
  let dbDown = false;
  let failedRetries = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let flushQueued = false;
  let draining: Promise<boolean> | undefined;

  const replayDeps: ReplayDeps = {
    spool,
    batchSize,
    insert,
    onDeadLettered: (count) => (deadLettered += count),
    log,
  };

  const ready = lock
    .run(() => spool.init())
    .then(async () => {
      if (spool.count() > 0 && !(await drain())) scheduleRetry();
    })
    .catch((err: unknown) => log.error({ err: loggableError(err) }, 'usage spool recovery failed'));

  function record(event: UsageEvent): void {
    if (closed) return recordAfterClose(event);
    buffer.push(event);
    if (buffer.length >= batchSize) queueFlush();
    else flushTimer ??= setTimeout(queueFlush, flushIntervalMs).unref();
  }

  /** Queues at most one flush behind the one in flight; it takes whatever the buffer holds when it starts. */
  function queueFlush(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (flushQueued || closed) return;
    flushQueued = true;
    lock
      .run(() => {
        flushQueued = false;
        return flushBuffer();
      })
      .catch((err: unknown) => log.error({ err: loggableError(err) }, 'usage flush failed unexpectedly'));
  }

  /** Persists the events buffered at the start, a batch at a time; later ones wait for the next flush. */
  async function flushBuffer(): Promise<void> {
    let left = buffer.length;
    while (left > 0 && buffer.length > 0) {
      const batch = buffer.splice(0, Math.min(batchSize, left));
      left -= batch.length;
      inFlight += batch.length;
      try {
        await persist(batch);
      } finally {
        inFlight -= batch.length;
      }
    }
    if (closed) return;
    if (buffer.length >= batchSize) queueFlush();
    else if (buffer.length > 0) flushTimer ??= setTimeout(queueFlush, flushIntervalMs).unref();
  }

  /** Database first (unless known down), the spool for whatever it did not take, memory as the last resort. */
  async function persist(batch: UsageEvent[]): Promise<void> {
    let rest = batch;
    if (!dbDown) {
      const outcome = await insert(batch);
      if (outcome.error === undefined) return;
      rest = outcome.remaining;
    }
    await spoolOrStrand(rest);
  }

  async function insert(events: UsageEvent[]): Promise<InsertOutcome> {
    const outcome = await insertIsolating(sql, events, queryTimeoutMs);
    written += outcome.inserted;
    if (outcome.error === undefined) markUp();
    else markDown(outcome.error, outcome.remaining.length);
    if (outcome.rejected.length > 0) await reject(outcome.rejected);
    return outcome;
  }

  /**
   * Rows the database refuses for good (a foreign key to a deleted api key, a value
   * out of range) would fail every retry and hold up the queue: they go to the
   * dead-letter file for an operator, and only their request ids reach the log.
   */
  async function reject(rejected: RejectedEvent[]): Promise<void> {
    const ids = rejected.map((r) => r.event.requestId);
    try {
      await spool.deadLetter(rejected);
      deadLettered += rejected.length;
      const codes = [...new Set(rejected.map((r) => r.code))];
      log.error({ count: rejected.length, codes, requestIds: ids.slice(0, MAX_LOGGED_IDS) }, 'usage events rejected by the database; moved to dead-letter');
    } catch (err) {
      // Keep them rather than drop them: replayed later, they are rejected (and dead-lettered) again.
      log.error({ err: loggableError(err), count: ids.length }, 'dead-letter write failed; keeping the events in the spool');
      await spoolOrStrand(rejected.map((r) => r.event));
    }
  }

  async function spoolOrStrand(events: UsageEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await spool.write(events);
    } catch (err) {
      stranded.push(events);
      log.error({ err: loggableError(err), count: events.length }, 'usage spool write failed; holding the events in memory');
    }
    scheduleRetry();
  }

  function markDown(err: unknown, count: number): void {
    if (!dbDown) log.warn({ err: loggableError(err), count }, 'usage database unavailable; spooling events to disk');
    dbDown = true;
    scheduleRetry();
  }

  function markUp(): void {
    if (dbDown) log.info('usage database reachable again');
    dbDown = false;
    failedRetries = 0;
  }

  function scheduleRetry(): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void drain().then((ok) => {
        // Nothing left that failed: let the next flush try the database again.
        if (ok) return markUp();
        failedRetries += 1;
        // A timer armed during this attempt used the old delay; back off further instead.
        clearTimeout(retryTimer);
        retryTimer = undefined;
        scheduleRetry();
      });
    }, retryDelayMs(failedRetries, retryIntervalMs)).unref();
  }

  /** Replays stranded batches, then spool segments oldest first; false when the database failed again. One drain at a time. */
  function drain(): Promise<boolean> {
    draining ??= drainAll()
      .catch((err: unknown) => {
        log.error({ err: loggableError(err) }, 'usage spool replay failed unexpectedly');
        return false;
      })
      .finally(() => {
        draining = undefined;
      });
    return draining;
  }

  async function drainAll(): Promise<boolean> {
    while (stranded.length > 0) {
      // One lock turn per batch so live flushes interleave with a long replay.
      const ok = await lock.run(async () => {
        const batch = stranded.shift();
        if (!batch) return true;
        // The database first even while it is marked down: this is the retry's probe,
        // and the disk that refused these before may still be refusing.
        inFlight += batch.length;
        try {
          const outcome = await insert(batch);
          await spoolOrStrand(outcome.remaining);
          return outcome.error === undefined;
        } finally {
          inFlight -= batch.length;
        }
      });
      if (!ok) return false;
    }
    for (const name of spool.segments()) {
      if (closed) return true;
      if (!(await lock.run(() => replaySegment(name, replayDeps)))) return false;
    }
    return true;
  }

  /** After close() nothing flushes any more: write the late event straight to the spool rather than lose it. */
  function recordAfterClose(event: UsageEvent): void {
    try {
      spool.writeSync([event]);
      log.warn({ requestId: event.requestId }, 'usage event recorded after close; spooled');
    } catch (err) {
      log.error({ err: loggableError(err), requestId: event.requestId }, 'usage event recorded after close could not be spooled; lost');
    }
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      flushTimer = undefined;
      retryTimer = undefined;
      await ready;
      await lock.run(async () => {
        await flushBuffer();
        // A last chance for batches held in memory: the database if up, else the disk.
        const held = stranded.splice(0);
        for (const batch of held) await persist(batch);
        const lost = stranded.splice(0).flat();
        if (lost.length > 0) {
          log.error({ count: lost.length, requestIds: lost.slice(0, MAX_LOGGED_IDS).map((e) => e.requestId) }, 'usage events lost: neither the database nor the spool took them');
        }
      });
      await draining;
    })();
    return closing;
  }

  async function flush(): Promise<void> {
    await ready;
    await lock.run(flushBuffer);
    if (!dbDown && (spool.count() > 0 || stranded.length > 0) && !(await drain())) scheduleRetry();
  }

  function stats(): UsageWriterStats {
    const held = stranded.reduce((n, batch) => n + batch.length, 0);
    return { pending: buffer.length + inFlight + held, spooled: spool.count(), written, deadLettered };
  }

  return { record, flush, close, stats };
}
