// Times every statement the data-plane sends to its database. With the embedded PGlite, a
// statement runs on the data-plane's own JavaScript thread, so this is time no request moves.
import { performance } from 'node:perf_hooks';
import type { SqlClient } from '../../shared/sql.js';

/** One kind of statement (its verb and table) since the last `take()`. */
export interface StatementStats {
  statement: string;
  count: number;
  /** Rows carried, for the usage INSERTs (parameters ÷ columns); 0 otherwise. */
  rows: number;
  totalMs: number;
  maxMs: number;
}

export interface TimedSql {
  sql: SqlClient;
  /** The stats since the previous call, most time first. */
  take(): StatementStats[];
}

/** `INSERT usage_event`, `SELECT api_key`, `UPDATE api_key`: enough to tell the data-plane's few statements apart. */
function kindOf(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  const table =
    verb === 'UPDATE' ? /^\s*\w+\s+"?(\w+)/.exec(text)?.[1] : verb === 'INSERT' ? /\binto\s+"?(\w+)/i.exec(text)?.[1] : /\bfrom\s+"?(\w+)/i.exec(text)?.[1];
  return `${verb} ${table ?? '?'}`;
}

export function timeSql(inner: SqlClient): TimedSql {
  let stats = new Map<string, StatementStats>();
  return {
    sql: {
      async query<T>(text: string, params?: unknown[]) {
        const started = performance.now();
        try {
          return await inner.query<T>(text, params);
        } finally {
          const ms = performance.now() - started;
          const statement = kindOf(text);
          const entry = stats.get(statement) ?? { statement, count: 0, rows: 0, totalMs: 0, maxMs: 0 };
          entry.count += 1;
          // One array per column (data-plane/usage/insert.ts): a batch's rows are any column's length.
          if (statement === 'INSERT usage_event') entry.rows += Array.isArray(params?.[0]) ? params[0].length : 0;
          entry.totalMs += ms;
          entry.maxMs = Math.max(entry.maxMs, ms);
          stats.set(statement, entry);
        }
      },
      listen: (channel, onPayload, onReconnect) => inner.listen(channel, onPayload, onReconnect),
      close: () => inner.close(),
    },
    take() {
      const taken = [...stats.values()].sort((a, b) => b.totalMs - a.totalMs);
      stats = new Map();
      return taken;
    },
  };
}
