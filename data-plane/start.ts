import { listen } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { resolvePepper } from '../shared/pepper.js';
import { resolveCredentialsKey } from '../shared/upstream-credentials.js';
import { createPgSqlClient, type SqlClient } from '../shared/sql.js';
import { createDataPlaneApp } from './app.js';
import { createKeyCache } from './auth/key-cache.js';
import { createLastUsedTracker } from './auth/last-used.js';
import type { KeyAuthenticator } from './auth/types.js';
import { createCatalogueCache, type CatalogueCache } from './catalogue/cache.js';
import type { DataPlaneConfig } from './config.js';
import { createCredentialCache } from './credentials/cache.js';
import { deriveBoundIdKeys } from './providers/openai/response-ids.js';
import { createUsageWriter, type UsageWriter } from './usage/writer.js';

export interface RunningDataPlane {
  url: string;
  usage: UsageWriter;
  /** The model catalogue this instance routes and prices with. */
  catalogue: CatalogueCache;
  /** Stops accepting requests, then flushes usage (to the database or the spool). */
  stop(): Promise<void>;
}

/**
 * Composes and serves the data-plane: key cache and model catalogue (both LISTEN for changes), usage writer
 * (batches + spool), last-used tracking, the proxy routes. `sql` is given when the
 * data-plane shares the embedded database of an all-in-one process; otherwise it
 * connects to DATABASE_URL.
 */
export async function startDataPlane(config: DataPlaneConfig, logger: Logger, options: { sql?: SqlClient } = {}): Promise<RunningDataPlane> {
  const sql = options.sql ?? connect(config, logger);
  const pepper = resolvePepper(config.apiKeyPepper, config.dataDir);
  const keys = createKeyCache({
    sql,
    pepper,
    logger,
    ttlMs: config.keyCache.ttlMs,
    negativeTtlMs: config.keyCache.negativeTtlMs,
  });
  await keys.start();
  const catalogue = createCatalogueCache({ sql, logger, ttlMs: config.catalogue.ttlMs });
  await catalogue.start();
  const credentials = createCredentialCache({
    sql,
    key: resolveCredentialsKey(config.upstreamCredentialsKey, config.dataDir),
    logger,
    ttlMs: config.catalogue.ttlMs,
  });
  await credentials.start();
  const lastUsed = createLastUsedTracker({ sql, logger });
  const usage = createUsageWriter({ sql, spoolDir: config.usageSpoolDir, logger });
  const lifetime = new AbortController();
  const touching: KeyAuthenticator = {
    async authenticate(raw) {
      const key = await keys.authenticate(raw);
      if (key) lastUsed.touch(key.apiKeyId);
      return key;
    },
  };
  const app = createDataPlaneApp({
    config,
    logger,
    keys: touching,
    usage,
    catalogue,
    credentials,
    idKeys: deriveBoundIdKeys(pepper),
    signal: lifetime.signal,
  });
  const http = await listen(app, config.http.host, config.http.port);
  logger.info({ url: http.url, upstream: config.openai ? config.openai.baseUrl : 'none (simulated models only)', models: catalogue.list().length }, 'data-plane listening');
  return {
    url: http.url,
    usage,
    catalogue,
    async stop() {
      await http.close();
      lifetime.abort();
      await usage.close();
      await lastUsed.close();
      await keys.close();
      await catalogue.close();
      await credentials.close();
      if (!options.sql) await sql.close();
    },
  };
}

function connect(config: DataPlaneConfig, logger: Logger): SqlClient {
  if (!config.databaseUrl) {
    // The embedded database belongs to one process: alone, the data-plane needs a server.
    throw new Error('DATABASE_URL is required to run the data-plane on its own (npm start runs both planes on the embedded database)');
  }
  return createPgSqlClient(config.databaseUrl, logger);
}
