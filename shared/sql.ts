import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Logger } from './logger.js';

/**
 * The little SQL the data-plane needs (key lookups, usage inserts, LISTEN), over
 * either a PostgreSQL server or the embedded PGlite. Parameters are `$1, $2 …`.
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Calls `onPayload` for every NOTIFY on `channel`. `onReconnect` runs after the
   * listening connection was lost and re-established: notifications may have been
   * missed in between, so caches must be dropped.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A client over a PostgreSQL server: a small pool for queries, one connection for LISTEN. */
export function createPgSqlClient(url: string, logger: Logger, options: { max?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 5, connectionTimeoutMillis: 5_000 });
  // An idle client erroring (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed'));
  const listeners: { stop: () => Promise<void> }[] = [];
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);
      return result.rows as T[];
    },
    async listen(channel, onPayload, onReconnect) {
      const listener = createPgListener(url, channel, onPayload, onReconnect, logger);
      await listener.ready;
      listeners.push(listener);
      return listener.stop;
    },
    async close() {
      await Promise.all(listeners.map((l) => l.stop()));
      await pool.end();
    },
  };
}

function createPgListener(url: string, channel: string, onPayload: (p: string) => void, onReconnect: (() => void) | undefined, logger: Logger) {
  let stopped = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | undefined;

  async function connect(isReconnect: boolean): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload !== undefined) onPayload(msg.payload);
    });
    next.on('error', (err) => {
      logger.warn({ err, channel }, 'LISTEN connection lost; reconnecting');
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
    if (isReconnect) onReconnect?.();
  }

  function scheduleReconnect(delayMs = 500): void {
    if (stopped || retryTimer) return;
    const old = client;
    client = null;
    old?.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect(true).catch(() => scheduleReconnect(Math.min(delayMs * 2, 10_000)));
    }, delayMs);
    retryTimer.unref();
  }

  return {
    ready: connect(false),
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}

/** A client over the embedded PGlite of this process (single-process mode). */
export function createPgliteSqlClient(pglite: PGlite): SqlClient {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await pglite.query<T>(sql, params);
      return result.rows;
    },
    listen: (channel, onPayload) => pglite.listen(channel, onPayload),
    close: () => Promise.resolve(),
  };
}
