import type { UsageStatus } from '../../../shared/usage-event.js';
import type { Em } from '../../db/orm.js';
import { restrictedAccountFilterSql } from '../restriction/restriction.service.js';
import type { Granularity } from './usage.buckets.js';

/*
 * Usage queries in plain SQL over `usage_event` (migration 0002). They run through the
 * request's entity manager, whose `?` placeholders MikroORM fills in as escaped
 * literals on both drivers. Every value that reaches the client is made uniform in
 * SQL: instants as UTC text via to_char (the pg driver of MikroORM returns timestamptz
 * as raw text in the session's time zone, PGlite as a Date), counts as bigint (text
 * from pg, a number or bigint from PGlite) converted by `safeCount`, money as text
 * (a sum of bigints is a numeric) converted by `picoUsd`.
 */

export const UsageGroupBy = { NONE: 'NONE', MODEL: 'MODEL', PROVIDER: 'PROVIDER', API_KEY: 'API_KEY' } as const;
export type UsageGroupBy = (typeof UsageGroupBy)[keyof typeof UsageGroupBy];

/** Only these fixed words are ever spliced into SQL; everything the caller sends is a parameter. */
const TRUNC_UNIT: Record<Granularity, string> = { HOUR: 'hour', DAY: 'day', MONTH: 'month' };
const DIMENSION: Record<UsageGroupBy, string | null> = { NONE: null, MODEL: 'model', PROVIDER: 'provider', API_KEY: 'api_key_id' };

/** The calls of accounts that have not restricted processing, and of none (unlinked by a deletion). */
const NOT_RESTRICTED = restrictedAccountFilterSql('usage_event.account_id');

/** ISO 8601 in UTC with the column's full microsecond precision. */
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  estimatedRequests: number;
  /** The exact sum of the calls' costs, in pico-USD (it may exceed 64 bits). */
  costPicoUsd: bigint;
}

/** One bucket of one group: null for the dimensions not grouped on (and for a key that is gone). */
export interface UsageBucketRow extends UsageTotals {
  start: Date;
  model: string | null;
  provider: string | null;
  apiKeyId: string | null;
}

export interface UsageAggregateQuery {
  /**
   * Whose usage: one account's, or null for aggregate statistics over every account
   * that has not restricted processing (policy §6: a restriction leaves its data out
   * of statistics) and over calls no longer linked to any account.
   */
  accountId: string | null;
  /** Already widened to whole buckets. */
  start: Date;
  end: Date;
  granularity: Granularity;
  groupBy: UsageGroupBy;
  /** At most this many rows are read. */
  limit: number;
}

/**
 * Sums the account's usage per bucket (and group), in SQL; only buckets with data come
 * back, by start then group (byte order, so both engines agree whatever their locale).
 */
export async function aggregateUsage(em: Em, q: UsageAggregateQuery): Promise<UsageBucketRow[]> {
  const bucket = `date_trunc('${TRUNC_UNIT[q.granularity]}', created_at at time zone 'UTC')`;
  const dimension = DIMENSION[q.groupBy];
  const sql = `select to_char(${bucket}, ${UTC_MICROS}) as bucket_start,
      ${dimension ? `${dimension}::text collate "C"` : 'null::text'} as dimension,
      count(*) as requests,
      sum(input_tokens)::bigint as input_tokens,
      sum(cached_input_tokens)::bigint as cached_input_tokens,
      sum(cache_write_tokens)::bigint as cache_write_tokens,
      sum(cache_write_1h_tokens)::bigint as cache_write_1h_tokens,
      sum(output_tokens)::bigint as output_tokens,
      sum(reasoning_tokens)::bigint as reasoning_tokens,
      count(*) filter (where usage_estimated) as estimated_requests,
      sum(cost_picousd)::text as cost_picousd
    from usage_event
    where ${q.accountId === null ? NOT_RESTRICTED : 'account_id = ?::uuid'} and created_at >= ?::timestamptz and created_at < ?::timestamptz
    group by ${bucket}${dimension ? `, ${dimension}` : ''}
    order by ${bucket}${dimension ? ', dimension nulls last' : ''}
    limit ?`;
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, [
    ...(q.accountId === null ? [] : [q.accountId]),
    q.start.toISOString(),
    q.end.toISOString(),
    q.limit,
  ]);
  return rows.map((row) => {
    const group = row.dimension == null ? null : String(row.dimension);
    return {
      start: new Date(String(row.bucket_start)),
      model: q.groupBy === UsageGroupBy.MODEL ? group : null,
      provider: q.groupBy === UsageGroupBy.PROVIDER ? group : null,
      apiKeyId: q.groupBy === UsageGroupBy.API_KEY ? group : null,
      requests: safeCount(row.requests, 'requests'),
      inputTokens: safeCount(row.input_tokens, 'input_tokens'),
      cachedInputTokens: safeCount(row.cached_input_tokens, 'cached_input_tokens'),
      cacheWriteTokens: safeCount(row.cache_write_tokens, 'cache_write_tokens'),
      cacheWrite1hTokens: safeCount(row.cache_write_1h_tokens, 'cache_write_1h_tokens'),
      outputTokens: safeCount(row.output_tokens, 'output_tokens'),
      reasoningTokens: safeCount(row.reasoning_tokens, 'reasoning_tokens'),
      estimatedRequests: safeCount(row.estimated_requests, 'estimated_requests'),
      costPicoUsd: picoUsd(row.cost_picousd),
    };
  });
}

/** One usage event as the control-plane shows it (the contract of shared/usage-event.ts). */
export interface UsageEventRecord {
  requestId: string;
  createdAt: Date;
  /** created_at to the microsecond, for keyset cursors (a Date keeps only milliseconds). */
  createdAtExact: string;
  accountId: string | null;
  apiKeyId: string | null;
  provider: string;
  model: string;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** The price version the call was costed with; null for calls never costed (refused, or recorded before the catalogue). */
  priceVersionId: string | null;
  costPicoUsd: bigint;
  usageEstimated: boolean;
  status: UsageStatus;
  httpStatus: number;
  latencyMs: number;
  ttftMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

export interface UsageEventFilterValues {
  from?: Date | null;
  to?: Date | null;
  model?: string | null;
  provider?: string | null;
  apiKeyId?: string | null;
  status?: UsageStatus | null;
}

/** A position in the newest-first order: the last row of the previous page. */
export interface UsageEventKeyset {
  createdAtExact: string;
  requestId: string;
}

const EVENT_COLUMNS = `request_id::text as request_id, to_char(created_at at time zone 'UTC', ${UTC_MICROS}) as created_at,
  account_id::text as account_id, api_key_id::text as api_key_id, provider, model, input_tokens, cached_input_tokens,
  cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, price_version_id::text as price_version_id, cost_picousd::text as cost_picousd,
  usage_estimated, status, http_status, latency_ms, ttft_ms, client_ip, user_agent`;

/**
 * The account's events newest first (created_at, then request_id, both descending),
 * `limit` of them after `after`. Walks the (account_id, created_at) index.
 */
export async function listUsageEvents(
  em: Em,
  q: { accountId: string; filter: UsageEventFilterValues; after: UsageEventKeyset | null; limit: number },
): Promise<UsageEventRecord[]> {
  const where = ['account_id = ?::uuid'];
  const params: unknown[] = [q.accountId];
  const add = (condition: string, ...values: unknown[]) => {
    where.push(condition);
    params.push(...values);
  };
  const f = q.filter;
  if (f.from) add('created_at >= ?::timestamptz', f.from.toISOString());
  if (f.to) add('created_at < ?::timestamptz', f.to.toISOString());
  if (f.model != null) add('model = ?', f.model);
  if (f.provider != null) add('provider = ?', f.provider);
  if (f.apiKeyId != null) add('api_key_id = ?::uuid', f.apiKeyId);
  if (f.status != null) add('status = ?', f.status);
  // PostgreSQL turns the row comparison into an index bound on created_at by itself.
  if (q.after) add('(created_at, request_id) < (?::timestamptz, ?::uuid)', q.after.createdAtExact, q.after.requestId);
  const sql = `select ${EVENT_COLUMNS} from usage_event where ${where.join(' and ')}
    order by created_at desc, request_id desc limit ?`;
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, [...params, q.limit]);
  return rows.map(toRecord);
}

/** One event by its request id; with `accountId`, only if it is that account's. */
export async function findUsageEvent(em: Em, requestId: string, accountId: string | null): Promise<UsageEventRecord | null> {
  const sql = `select ${EVENT_COLUMNS} from usage_event where request_id = ?::uuid${accountId ? ' and account_id = ?::uuid' : ''} limit 1`;
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, accountId ? [requestId, accountId] : [requestId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

function toRecord(row: Record<string, unknown>): UsageEventRecord {
  const exact = String(row.created_at);
  return {
    requestId: String(row.request_id),
    createdAt: new Date(exact),
    createdAtExact: exact,
    accountId: nullableText(row.account_id),
    apiKeyId: nullableText(row.api_key_id),
    provider: String(row.provider),
    model: String(row.model),
    inputTokens: safeCount(row.input_tokens, 'input_tokens'),
    cachedInputTokens: safeCount(row.cached_input_tokens, 'cached_input_tokens'),
    cacheWriteTokens: safeCount(row.cache_write_tokens, 'cache_write_tokens'),
    cacheWrite1hTokens: safeCount(row.cache_write_1h_tokens, 'cache_write_1h_tokens'),
    outputTokens: safeCount(row.output_tokens, 'output_tokens'),
    reasoningTokens: safeCount(row.reasoning_tokens, 'reasoning_tokens'),
    priceVersionId: nullableText(row.price_version_id),
    costPicoUsd: picoUsd(row.cost_picousd),
    usageEstimated: row.usage_estimated === true,
    status: String(row.status) as UsageStatus,
    httpStatus: Number(row.http_status),
    latencyMs: Number(row.latency_ms),
    ttftMs: row.ttft_ms == null ? null : Number(row.ttft_ms),
    clientIp: nullableText(row.client_ip),
    userAgent: nullableText(row.user_agent),
  };
}

function nullableText(value: unknown): string | null {
  return value == null ? null : String(value);
}

/** Money read as decimal text (a bigint column, or a numeric sum of one): exact, whatever its size. */
function picoUsd(value: unknown): bigint {
  const text = value == null ? '0' : String(value);
  if (/^\d+$/.test(text)) return BigInt(text);
  throw Object.assign(new Error(`usage cost is not a non-negative integer: ${text}`), { code: 'USAGE_COST_INVALID' });
}

/**
 * A bigint column as a JavaScript number, or a thrown error: a count past 2^53 must
 * never be rounded silently into a wrong bill.
 */
export function safeCount(value: unknown, column: string): number {
  const n =
    typeof value === 'number' ? value
    : typeof value === 'bigint' ? Number(value)
    : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value)
    : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  throw Object.assign(new Error(`usage count ${column} is not a safe integer: ${String(value)}`), { code: 'USAGE_COUNT_UNSAFE' });
}
