import { UPSTREAM_CREDENTIAL_CHANNEL } from '../../shared/key-events.js';
import type { Logger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';
import { isUpstreamProvider, openCredential, type UpstreamProviderName } from '../../shared/upstream-credentials.js';
import { createReloader, type Reloader } from '../cache/reloader.js';
import type { StoredCredential, StoredCredentials } from '../providers/upstreams.js';

interface Row {
  id: string;
  provider: string;
  base_url: string | null;
  secret_sealed: string;
  weight: number;
  enabled: boolean;
}

const LOAD = 'select id, provider, base_url, secret_sealed, weight, enabled from upstream_credential order by created_at, id';

export interface CredentialCacheOptions {
  sql: SqlClient;
  /** The key the control-plane sealed the secrets with (UPSTREAM_CREDENTIALS_KEY). */
  key: Buffer;
  logger: Logger;
  /** Backstop: the credentials are reloaded this often even if no NOTIFY came. */
  ttlMs: number;
}

export interface CredentialCache extends StoredCredentials, Reloader {}

type Snapshot = ReadonlyMap<UpstreamProviderName, readonly StoredCredential[]>;

/**
 * The admin-managed upstream credentials, decrypted in memory: a call never touches the
 * database for them. Reloaded whole (they are few) on every NOTIFY on
 * {@link UPSTREAM_CREDENTIAL_CHANNEL} (see reloader.ts). A row that does not decrypt (a
 * wrong UPSTREAM_CREDENTIALS_KEY) is left out and logged by id, never by value; its
 * provider still counts as managed, so the environment's key does not silently take over.
 */
export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const log = options.logger.child({ component: 'upstream-credentials' });
  let current: Snapshot = new Map();

  async function load(): Promise<void> {
    const rows = await options.sql.query<Row>(LOAD);
    const next = new Map<UpstreamProviderName, StoredCredential[]>();
    for (const row of rows) {
      if (!isUpstreamProvider(row.provider)) continue;
      const list = next.get(row.provider) ?? [];
      next.set(row.provider, list);
      if (!row.enabled) continue;
      try {
        list.push({ id: row.id, baseUrl: row.base_url, apiKey: openCredential(row.secret_sealed, options.key, row.id), weight: row.weight });
      } catch {
        log.error({ credential: row.id, provider: row.provider }, 'an upstream credential does not decrypt (is UPSTREAM_CREDENTIALS_KEY the control-plane\'s?); it is not used');
      }
    }
    current = next;
    log.debug({ credentials: rows.length }, 'upstream credentials loaded');
  }

  const reloader = createReloader({ ...options, channel: UPSTREAM_CREDENTIAL_CHANNEL, log, what: 'upstream credentials', load });
  return { forProvider: (provider) => current.get(provider) ?? null, ...reloader };
}
