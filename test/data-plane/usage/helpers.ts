import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { createLogger, type Logger } from '../../../shared/logger.js';
import type { SqlClient } from '../../../shared/sql.js';
import { UsageStatus, type UsageEvent } from '../../../shared/usage-event.js';

/** An account and an api key row, as the usage_event foreign keys require. */
export async function insertAccountAndKey(sql: SqlClient): Promise<{ accountId: string; apiKeyId: string }> {
  const accountId = randomUUID();
  const apiKeyId = randomUUID();
  const name = `u${accountId.slice(0, 8)}`;
  await sql.query(
    `insert into account (id, username, username_canonical, email, email_canonical, password_hash, created_at, updated_at)
     values ($1, $2, $2, $3, $3, 'x', now(), now())`,
    [accountId, name, `${name}@example.test`],
  );
  await sql.query(
    `insert into api_key (id, account_id, name, key_id, secret_hash, display_prefix, last_four, created_at)
     values ($1, $2, 'test', $3, $4, 'tb_test_', 'abcd', now())`,
    [apiKeyId, accountId, accountId.replaceAll('-', '').slice(0, 16), 'f'.repeat(64)],
  );
  return { accountId, apiKeyId };
}

const statuses = Object.values(UsageStatus);

/** `n` distinct, varied events under one model name, so a test can find exactly its own rows. */
export function makeEvents(n: number, owner: { accountId: string; apiKeyId: string }, model: string): UsageEvent[] {
  const base = Date.parse('2025-03-01T12:00:00.000Z');
  return Array.from({ length: n }, (_, i) => ({
    requestId: uuidv7(),
    createdAt: new Date(base + i * 1_001).toISOString(),
    accountId: owner.accountId,
    apiKeyId: owner.apiKeyId,
    provider: 'openai',
    model,
    inputTokens: 1_000 + i,
    cachedInputTokens: i % 3,
    cacheWriteTokens: i % 4,
    cacheWrite1hTokens: i % 4 === 3 ? 2 : 0,
    outputTokens: 2 * i + 1,
    reasoningTokens: i % 5,
    priceVersionId: null,
    // Past 2^53 (and at the bigint maximum) every few rows: money must survive JSON, the spool and the database exactly.
    costPicoUsd: i % 5 === 0 ? (9_223_372_036_854_775_807n - BigInt(i)).toString() : String(1_000_003 * i),
    usageEstimated: i % 7 === 0,
    status: statuses[i % statuses.length] ?? 'SUCCESS',
    httpStatus: i % 4 === 0 ? 502 : 200,
    latencyMs: 10 + i,
    ttftMs: i % 6 === 0 ? null : 5 + i,
    clientIp: i % 2 === 0 ? `203.0.113.${i % 250}` : `2001:db8::${i.toString(16)}`,
    userAgent: i % 9 === 0 ? null : `agent-${i}/1.0`,
  }));
}

/** The rows of one model, read back as events, sorted by request id. */
export async function readEvents(sql: SqlClient, model: string): Promise<UsageEvent[]> {
  const rows = await sql.query<UsageEvent & { createdAt: string | Date }>(
    `select request_id::text as "requestId", created_at as "createdAt", account_id::text as "accountId",
            api_key_id::text as "apiKeyId", provider, model, input_tokens::int as "inputTokens",
            cached_input_tokens::int as "cachedInputTokens", output_tokens::int as "outputTokens",
            reasoning_tokens::int as "reasoningTokens", cache_write_tokens::int as "cacheWriteTokens",
            cache_write_1h_tokens::int as "cacheWrite1hTokens",
            price_version_id::text as "priceVersionId", cost_picousd::text as "costPicoUsd", usage_estimated as "usageEstimated", status,
            http_status::int as "httpStatus", latency_ms as "latencyMs", ttft_ms as "ttftMs",
            client_ip as "clientIp", user_agent as "userAgent"
       from usage_event where model = $1`,
    [model],
  );
  return sortById(rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })));
}

export function sortById<T extends { requestId: string }>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
}

/** Counts usage INSERTs (rows in each) and how many ran at once; `delayMs` widens any overlap. */
export function countingSql(inner: SqlClient, delayMs = 0) {
  const state = { insertRows: [] as number[], active: 0, maxActive: 0 };
  const sql: SqlClient = {
    ...inner,
    async query<T>(text: string, params?: unknown[]) {
      if (!text.startsWith('INSERT INTO usage_event')) return inner.query<T>(text, params);
      state.active += 1;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        const rows = await inner.query<T>(text, params);
        // One array per column: any of them has a row's worth of elements.
        state.insertRows.push((params?.[0] as unknown[] | undefined)?.length ?? 0);
        return rows;
      } finally {
        state.active -= 1;
      }
    },
  };
  return { sql, state };
}

/** A client over the real database that fails like a refused connection while `down` is set. */
export function switchableSql(inner: SqlClient, down = true) {
  const control = { down, attempts: 0 };
  const sql: SqlClient = {
    ...inner,
    async query<T>(text: string, params?: unknown[]) {
      control.attempts += 1;
      if (control.down) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 });
      }
      return inner.query<T>(text, params);
    },
  };
  return { sql, control };
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', name: 'usage-test', destination }), lines };
}

/**
 * Spool segment files in `dir`, including those a background retry has claimed at
 * this instant (`.claimed`): they are still in the spool, just being replayed.
 */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter((f) => /^batch-.*\.ndjson(\.[0-9a-f]{8}\.claimed)?$/.test(f)).sort();
}

/** Temp directories, removed by `cleanup()`. */
export function tempDirs() {
  const made: string[] = [];
  return {
    async make(): Promise<string> {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenbyte-spool-'));
      made.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}
