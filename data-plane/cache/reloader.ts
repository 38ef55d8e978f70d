import type { Logger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';

export interface ReloaderOptions {
  sql: SqlClient;
  /** The NOTIFY channel on which the control-plane announces a change. */
  channel: string;
  /** Backstop: reloaded this often even if no NOTIFY came. */
  ttlMs: number;
  log: Logger;
  /** What is reloaded, for the log: e.g. `catalogue`. */
  what: string;
  /** Reads the whole set and swaps it in; throws to keep the previous one. */
  load: () => Promise<void>;
}

export interface Reloader {
  /** Loads once and subscribes to changes; call once before serving. Throws if the first load fails. */
  start(): Promise<void>;
  /** Reloads now; resolves once a load that began after this call has finished (or failed, which is logged). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps a small table's contents current in memory, as the data-plane does for the
 * catalogue and the upstream credentials: reloaded whole on every NOTIFY on the channel,
 * after the LISTEN connection was lost (notifications may have been missed) and every
 * `ttlMs`. Reloads never overlap; a change announced during one triggers another. A failed
 * reload keeps the previous contents: stale beats refusing every call.
 */
export function createReloader(options: ReloaderOptions): Reloader {
  const { log, what } = options;
  let loading: Promise<void> | null = null;
  // A change announced while a load runs may not be in what that load read: load again.
  let again = false;
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function loadUntilCurrent(): Promise<void> {
    do {
      again = false;
      try {
        await options.load();
      } catch (err) {
        log.warn({ err }, `${what} reload failed; keeping the previous one`);
        return;
      }
    } while (again);
  }

  function reload(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = loadUntilCurrent().finally(() => {
      loading = null;
    });
    return loading;
  }

  return {
    reload,
    async start() {
      await options.load();
      unlisten = await options.sql.listen(
        options.channel,
        () => void reload(),
        () => {
          log.warn(`${what} change notifications may have been missed; reloading`);
          void reload();
        },
      );
      timer = setInterval(() => void reload(), options.ttlMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await unlisten?.();
      await loading;
    },
  };
}
