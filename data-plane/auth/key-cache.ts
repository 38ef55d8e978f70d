import { timingSafeEqual } from 'node:crypto';
import { hashApiKey, parseApiKey, pepperKey } from '../../shared/api-key.js';
import { API_KEY_CHANNEL } from '../../shared/key-events.js';
import type { Logger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';
import type { AuthenticatedKey, KeyAuthenticator } from './types.js';

/** What the cache holds per key id: the row's verdict-relevant fields, or "no such key". */
interface Entry {
  loadedAt: number;
  ttlMs: number;
  key: {
    apiKeyId: string;
    accountId: string;
    secretHash: Buffer;
    previousSecretHash: Buffer | null;
    previousValidUntil: number | null;
    allowedModels: readonly string[] | null;
    expiresAt: number | null;
    revokedAt: number | null;
    /** The owning account is suspended or its deletion was requested: every key of it is refused. */
    accountBlocked: boolean;
  } | null;
}

interface Row {
  id: string;
  account_id: string;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_valid_until: Date | string | null;
  allowed_models: string[] | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  account_blocked: boolean;
}

export interface KeyCacheOptions {
  sql: SqlClient;
  pepper: Buffer;
  logger: Logger;
  /** Backstop: a cached key is re-read after this long even if no NOTIFY came. */
  ttlMs: number;
  /** How long an unknown key id stays "unknown" without asking the database again. */
  negativeTtlMs: number;
  /** Upper bound on cached entries; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

export interface KeyCache extends KeyAuthenticator {
  /** Subscribes to key changes; call once before serving. */
  start(): Promise<void>;
  invalidate(keyId: string): void;
  size(): number;
  close(): Promise<void>;
}

/**
 * Authenticates API keys from memory. A warm key costs one HMAC and a map lookup; a
 * cold one a single indexed query. Changes arrive by LISTEN/NOTIFY within
 * milliseconds; the TTL bounds staleness if a notification is ever missed.
 */
export function createKeyCache(options: KeyCacheOptions): KeyCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const pepper = pepperKey(options.pepper);
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<Entry>>();
  // A change announced while a key was being read makes that read stale: it is
  // answered once but not cached. `epoch` does the same for a full cache drop.
  const staleLoads = new Set<string>();
  let epoch = 0;
  let unlisten: (() => Promise<void>) | undefined;

  async function load(keyId: string): Promise<Entry> {
    const startEpoch = epoch;
    const rows = await options.sql.query<Row>(
      // The account's state comes with the key (one indexed join); the control-plane
      // NOTIFYs every key of an account whose state changes.
      `select k.id, k.account_id, k.secret_hash, k.previous_secret_hash, k.previous_valid_until, k.allowed_models, k.expires_at, k.revoked_at,
              (a.suspended_at is not null or a.deletion_requested_at is not null) as account_blocked
         from api_key k join account a on a.id = k.account_id where k.key_id = $1`,
      [keyId],
    );
    const row = rows[0];
    const entry: Entry = row
      ? {
          loadedAt: now(),
          ttlMs: options.ttlMs,
          key: {
            apiKeyId: row.id,
            accountId: row.account_id,
            secretHash: Buffer.from(row.secret_hash, 'hex'),
            previousSecretHash: row.previous_secret_hash ? Buffer.from(row.previous_secret_hash, 'hex') : null,
            previousValidUntil: time(row.previous_valid_until),
            allowedModels: row.allowed_models,
            expiresAt: time(row.expires_at),
            revokedAt: time(row.revoked_at),
            accountBlocked: row.account_blocked === true,
          },
        }
      : { loadedAt: now(), ttlMs: options.negativeTtlMs, key: null };
    const stale = staleLoads.delete(keyId) || epoch !== startEpoch;
    if (!stale) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(keyId, entry);
    }
    return entry;
  }

  function invalidate(keyId: string): void {
    entries.delete(keyId);
    if (loading.has(keyId)) staleLoads.add(keyId);
  }

  function cached(keyId: string): Entry | Promise<Entry> {
    const entry = entries.get(keyId);
    if (entry && now() - entry.loadedAt < entry.ttlMs) return entry;
    let pending = loading.get(keyId);
    if (!pending) {
      // Concurrent requests for a cold key share one query.
      pending = load(keyId).finally(() => loading.delete(keyId));
      loading.set(keyId, pending);
    }
    return pending;
  }

  return {
    async authenticate(rawKey) {
      const parsed = parseApiKey(rawKey);
      if (!parsed) return null;
      const found = cached(parsed.keyId);
      const { key } = found instanceof Promise ? await found : found;
      if (!key) return null;
      const at = now();
      if (key.accountBlocked || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= at)) return null;
      const presented = hashApiKey(rawKey, pepper);
      const current = timingSafeEqual(presented, key.secretHash);
      const previous =
        !current && key.previousSecretHash !== null && (key.previousValidUntil ?? 0) > at && timingSafeEqual(presented, key.previousSecretHash);
      if (!current && !previous) return null;
      const result: AuthenticatedKey = { apiKeyId: key.apiKeyId, accountId: key.accountId, keyId: parsed.keyId, allowedModels: key.allowedModels };
      return result;
    },

    async start() {
      unlisten = await options.sql.listen(API_KEY_CHANNEL, invalidate, () => {
        options.logger.warn('key change notifications may have been missed; dropping the key cache');
        epoch++;
        entries.clear();
      });
    },

    invalidate,
    size: () => entries.size,
    async close() {
      await unlisten?.();
    },
  };
}

function time(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}
