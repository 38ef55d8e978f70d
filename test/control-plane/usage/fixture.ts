import { newId } from '../../../shared/ids.js';
import { USAGE_EVENT_COLUMNS, UsageStatus } from '../../../shared/usage-event.js';
import { createKey } from '../../helpers/api-keys.js';
import type { TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

/** One usage_event row as the test inserted it. */
export interface UsageRow {
  requestId: string;
  /** As inserted: ISO 8601 in UTC, sometimes with microseconds. */
  createdAt: string;
  accountId: string;
  apiKeyId: string | null;
  /** The key's global id, as the API shows it. */
  apiKey: string | null;
  provider: string;
  model: string;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** A price_version row, or null for an uncosted call. */
  priceVersionId: string | null;
  /** Pico-USD as a decimal string, as the data-plane records it. */
  costPicoUsd: string;
  usageEstimated: boolean;
  status: UsageStatus;
  httpStatus: number;
  latencyMs: number;
  ttftMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

export interface Party {
  client: GraphQLClient;
  username: string;
  /** The account's global id. */
  id: string;
  accountId: string;
  keys: { id: string; dbId: string; name: string }[];
}

export const H = 3_600_000;
export const D = 24 * H;

/** The database id inside a global id. */
export function dbId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1]!;
}

/** A signed-up, logged-in account with API keys of these names. */
export async function newParty(cp: TestControlPlane, keyNames: string[] = []): Promise<Party> {
  const client = cp.client();
  const user = await signUpAndLogIn(client);
  const keys = [];
  for (const name of keyNames) {
    const key = await createKey(client, { name });
    keys.push({ id: key.id, dbId: dbId(key.id), name });
  }
  return { client, username: user.username, id: user.id, accountId: dbId(user.id), keys };
}

export async function insertRows(cp: TestControlPlane, rows: UsageRow[]): Promise<void> {
  const tuple = `(${USAGE_EVENT_COLUMNS.map(() => '?').join(', ')})`;
  const values = rows.flatMap((r) => [
    r.requestId, r.createdAt, r.accountId, r.apiKeyId, r.provider, r.model, r.inputTokens, r.cachedInputTokens, r.outputTokens,
    r.reasoningTokens, r.usageEstimated, r.status, r.httpStatus, r.latencyMs, r.ttftMs, r.clientIp, r.userAgent,
    r.cacheWriteTokens, r.priceVersionId, r.costPicoUsd, r.cacheWrite1hTokens,
  ]);
  const sql = `insert into usage_event (${USAGE_EVENT_COLUMNS.join(', ')}) values ${rows.map(() => tuple).join(', ')}`;
  await cp.db.fork().getConnection().execute(sql, values);
}

/**
 * Makes every database session of the control-plane use a time zone far from UTC
 * (Chatham is +13:45 or +12:45), so that bucketing in any zone but UTC shows.
 */
export async function useSessionTimeZone(cp: TestControlPlane, zone: string): Promise<void> {
  const connection = cp.db.fork().getConnection();
  if (cp.db.kind === 'pglite') {
    // One embedded session serves every query.
    await connection.execute(`set timezone to '${zone}'`);
    return;
  }
  const [row] = await connection.execute<{ name: string }[]>('select current_database() as name');
  await connection.execute(`alter database "${row!.name}" set timezone to '${zone}'`);
  // Pooled sessions keep the zone they started with; new ones read the database's setting.
  await cp.db.orm.reconnect();
}

/** The first instant of the current month in UTC: the rows straddle it. */
export function thisMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

const MODELS = [
  { model: 'gpt-4o-mini', provider: 'openai' },
  { model: 'gpt-4o', provider: 'openai' },
  { model: 'claude-sonnet-4', provider: 'anthropic' },
];
const STATUSES = [UsageStatus.SUCCESS, UsageStatus.SUCCESS, UsageStatus.UPSTREAM_ERROR, UsageStatus.CLIENT_ABORT, UsageStatus.TIMEOUT, UsageStatus.REJECTED];
const HTTP: Record<UsageStatus, number> = { SUCCESS: 200, UPSTREAM_ERROR: 502, CLIENT_ABORT: 499, TIMEOUT: 504, REJECTED: 400 };

/** Some seeded price version, for rows that point at one. */
export async function somePriceVersionId(cp: TestControlPlane): Promise<string> {
  const [row] = await cp.db.fork().getConnection().execute<{ id: string }[]>('select id::text as id from price_version order by id limit 1');
  if (!row) throw new Error('the test database has no price version (is the catalogue seeded?)');
  return row.id;
}

/** Costs near the bigint maximum: two in one bucket sum past 64 bits, which must still be exact. */
const HUGE_COST = 9_000_000_000_000_000_123n;

/**
 * Calls at chosen instants around the start of month `t`: both sides of the month,
 * day and hour boundaries (to the millisecond), two calls in one microsecond, two in
 * one millisecond, one without a key (deleted), one with more tokens than an Int holds,
 * two whose costs add up past 64 bits. Every third call names `priceVersionId`.
 */
export function sampleRows(t: Date, party: Party, priceVersionId: string | null = null): UsageRow[] {
  const at = (offset: number, micros = '') => new Date(t.getTime() + offset).toISOString().replace(/Z$/, `${micros}Z`);
  const instants = [
    at(-35 * D + 3 * H),
    at(-110 * 60_000),
    at(-30 * 60_000),
    at(-1),
    at(0),
    at(45 * 60_000),
    at(45 * 60_000),
    at(2 * H, '100'),
    at(2 * H, '200'),
    at(3 * H),
    at(5 * H),
    at(D + 13 * H),
    at(2 * D - 1),
    at(2 * D),
  ];
  return instants.map((createdAt, i) => {
    const { model, provider } = MODELS[i % MODELS.length]!;
    const key = i === 9 ? null : party.keys[i % party.keys.length]!;
    const status = STATUSES[i % STATUSES.length]!;
    return {
      requestId: newId(),
      createdAt,
      accountId: party.accountId,
      apiKeyId: key?.dbId ?? null,
      apiKey: key?.id ?? null,
      provider,
      model,
      inputTokens: i === 10 ? 3_000_000_000 : 100 * (i + 1) + 7,
      cachedInputTokens: 10 * i,
      cacheWriteTokens: i % 3 === 1 ? 7 * i : 0,
      cacheWrite1hTokens: i % 3 === 1 && i % 2 === 0 ? 3 * i : 0,
      outputTokens: 50 + i,
      reasoningTokens: i % 4 === 0 ? 5 * i : 0,
      priceVersionId: i % 3 === 0 ? priceVersionId : null,
      costPicoUsd: i === 5 || i === 6 ? (HUGE_COST + BigInt(i)).toString() : String(150_000_000 * i + 7),
      usageEstimated: status === UsageStatus.CLIENT_ABORT,
      status,
      httpStatus: HTTP[status],
      latencyMs: 1000 + i,
      ttftMs: i % 3 === 0 ? null : 100 + i,
      clientIp: i % 2 === 0 ? `203.0.113.${i}` : null,
      userAgent: i % 2 === 0 ? `OpenAI/Python 1.${i}.0` : null,
    };
  });
}

/** Calls of another account at the same instants, with a model of its own and large counts. */
export function otherRows(t: Date, party: Party): UsageRow[] {
  return sampleRows(t, party).map((row) => ({ ...row, model: 'bob-only-model', provider: 'openai', inputTokens: 1_000_000, outputTokens: 900_000 }));
}

export type Granularity = 'HOUR' | 'DAY' | 'MONTH';
export type GroupBy = 'NONE' | 'MODEL' | 'PROVIDER' | 'API_KEY';

export const BUCKET_FIELDS =
  'start end model provider apiKey { id } requests inputTokens cachedInputTokens cacheWriteTokens cacheWrite1hTokens outputTokens reasoningTokens estimatedRequests cost { amount currency }';

/** Pico-USD as dollars with 12 decimals, by string surgery (independent of the server's formatter). */
export function dollars(picoUsd: bigint): string {
  const digits = picoUsd.toString().padStart(13, '0');
  return `${digits.slice(0, -12)}.${digits.slice(-12)}`;
}

/** The bucket an instant falls in, by string surgery on its UTC form (independent of the server's arithmetic). */
export function truncate(iso: string, granularity: Granularity): { start: string; end: string } {
  const utc = new Date(iso).toISOString();
  const start = granularity === 'HOUR' ? `${utc.slice(0, 13)}:00:00.000Z` : granularity === 'DAY' ? `${utc.slice(0, 10)}T00:00:00.000Z` : `${utc.slice(0, 7)}-01T00:00:00.000Z`;
  const s = new Date(start);
  const end =
    granularity === 'HOUR' ? new Date(s.getTime() + H)
    : granularity === 'DAY' ? new Date(s.getTime() + D)
    : new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1));
  return { start, end: end.toISOString() };
}

/** What `usage` must answer for rows in [start, end): sums per bucket and group, by start then group. */
export function expectedBuckets(rows: UsageRow[], granularity: Granularity, groupBy: GroupBy, start: Date, end: Date) {
  const groupOf = (r: UsageRow) =>
    groupBy === 'MODEL' ? r.model : groupBy === 'PROVIDER' ? r.provider : groupBy === 'API_KEY' ? r.apiKeyId : null;
  const buckets = new Map<string, ReturnType<typeof emptyBucket>>();
  for (const row of rows) {
    const t = new Date(row.createdAt).getTime();
    if (t < start.getTime() || t >= end.getTime()) continue;
    const { start: bucketStart, end: bucketEnd } = truncate(row.createdAt, granularity);
    const group = groupOf(row);
    const id = `${bucketStart}|${group ?? '\uffff'}`;
    const b = buckets.get(id) ?? emptyBucket(bucketStart, bucketEnd, groupBy, row);
    b.requests += 1;
    b.inputTokens += row.inputTokens;
    b.cachedInputTokens += row.cachedInputTokens;
    b.cacheWriteTokens += row.cacheWriteTokens;
    b.cacheWrite1hTokens += row.cacheWrite1hTokens;
    b.outputTokens += row.outputTokens;
    b.reasoningTokens += row.reasoningTokens;
    b.estimatedRequests += row.usageEstimated ? 1 : 0;
    b.picoUsd += BigInt(row.costPicoUsd);
    buckets.set(id, b);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { picoUsd, ...bucket }]) => ({ ...bucket, cost: { amount: dollars(picoUsd), currency: 'USD' } }));
}

function emptyBucket(start: string, end: string, groupBy: GroupBy, row: UsageRow) {
  return {
    start,
    end,
    model: groupBy === 'MODEL' ? row.model : null,
    provider: groupBy === 'PROVIDER' ? row.provider : null,
    apiKey: groupBy === 'API_KEY' && row.apiKey ? { id: row.apiKey } : null,
    requests: 0,
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    estimatedRequests: 0,
    picoUsd: 0n,
  };
}
