import type { Logger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';

export interface LastUsedTracker {
  /** Notes that a key was just used; cheap, never waits for the database. */
  touch(apiKeyId: string): void;
  /** Writes what is pending now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps `api_key.last_used_at` roughly current without a write per request: each
 * key is written at most once per `precisionMs`, in one UPDATE per flush.
 */
export function createLastUsedTracker(options: { sql: SqlClient; logger: Logger; precisionMs?: number; flushIntervalMs?: number }): LastUsedTracker {
  const precisionMs = options.precisionMs ?? 60_000;
  const written = new Map<string, number>();
  let pending = new Map<string, number>();

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const ids = [...batch.keys()];
    const times = ids.map((id) => new Date(batch.get(id)!).toISOString());
    try {
      await options.sql.query(
        `update api_key set last_used_at = greatest(coalesce(last_used_at, u.at), u.at)
           from unnest($1::uuid[], $2::timestamptz[]) as u(id, at) where api_key.id = u.id`,
        [ids, times],
      );
    } catch (err) {
      // Losing a last-used time is harmless; the next use writes it again.
      for (const id of ids) written.delete(id);
      options.logger.warn({ err, keys: ids.length }, 'could not write api key last-used times');
    }
  }

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 5_000);
  timer.unref();

  return {
    touch(apiKeyId) {
      const at = Date.now();
      if (at - (written.get(apiKeyId) ?? 0) < precisionMs) return;
      written.set(apiKeyId, at);
      pending.set(apiKeyId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
