// The data-plane under test, composed as it ships. Embedded (default): what `npm start` runs
// (control-plane/all-in-one.ts), the control-plane and the data-plane in this one process on
// one PGlite. With a database URL: the data-plane alone on a PostgreSQL server database that a
// control-plane (control-plane.child.ts) prepared, as the planes run apart in production.
import path from 'node:path';
import { dataPlaneConfigFrom } from '../../data-plane/config.js';
import { startDataPlane, type RunningDataPlane } from '../../data-plane/start.js';
import type { Logger } from '../../shared/logger.js';
import { createPgliteSqlClient, createPgSqlClient } from '../../shared/sql.js';
import { sampleProcess, type ProcessSample } from './process-sample.js';
import { BENCH_PEPPER, BENCH_UPSTREAM_CREDENTIALS_KEY } from './protocol.js';
import { timeSql, type TimedSql } from './timed-sql.js';

export interface BenchStackOptions {
  dataDir: string;
  /** The prepared server database and its key; the embedded PGlite (prepared here) when absent. */
  server?: { databaseUrl: string; apiKey: string } | undefined;
  upstream: { url: string; apiKey: string };
  logger: Logger;
}

export interface BenchStack {
  plane: RunningDataPlane;
  /** A TokenByte key issued by the control-plane's api-key service. */
  apiKey: string;
  /** The data-plane's database client, timed (also used for the benchmark's own queries). */
  sql: TimedSql;
  /** This process just before the data-plane started (embedded: the control-plane is up). */
  beforeDataPlane: ProcessSample;
  close(): Promise<void>;
}

function dataConfig(options: BenchStackOptions) {
  return dataPlaneConfigFrom({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATA_DIR: options.dataDir,
    USAGE_SPOOL_DIR: path.join(options.dataDir, 'spool'),
    DATA_PLANE_HOST: '127.0.0.1',
    DATA_PLANE_PORT: '0',
    API_KEY_PEPPER: BENCH_PEPPER,
    UPSTREAM_CREDENTIALS_KEY: BENCH_UPSTREAM_CREDENTIALS_KEY,
    OPENAI_BASE_URL: options.upstream.url,
    OPENAI_API_KEY: options.upstream.apiKey,
    ...(options.server ? { DATABASE_URL: options.server.databaseUrl } : {}),
  });
}

/** As control-plane/all-in-one.ts: both planes here, the data-plane on the control-plane's PGlite. */
async function startEmbedded(options: BenchStackOptions): Promise<BenchStack> {
  // Loaded only here: a data-plane measured alone must not carry the control-plane's code.
  const { issueKey, startControl } = await import('./control-setup.js');
  const control = await startControl({ dataDir: options.dataDir, logger: options.logger });
  const apiKey = await issueKey(control.db);
  if (!control.db.pglite) throw new Error('expected the embedded database');
  const beforeDataPlane = sampleProcess();
  const sql = timeSql(createPgliteSqlClient(control.db.pglite));
  const plane = await startDataPlane(dataConfig(options), options.logger.child({ plane: 'data' }), { sql: sql.sql });
  return {
    plane,
    apiKey,
    sql,
    beforeDataPlane,
    async close() {
      // The data-plane first: its last usage events still need the database.
      await plane.stop();
      await control.stop();
    },
  };
}

/** As data-plane/main.ts on DATABASE_URL, with the client made here so it can be timed. */
async function startAlone(options: BenchStackOptions, server: { databaseUrl: string; apiKey: string }): Promise<BenchStack> {
  const beforeDataPlane = sampleProcess();
  const sql = timeSql(createPgSqlClient(server.databaseUrl, options.logger));
  const plane = await startDataPlane(dataConfig(options), options.logger, { sql: sql.sql });
  return {
    plane,
    apiKey: server.apiKey,
    sql,
    beforeDataPlane,
    async close() {
      await plane.stop();
      await sql.sql.close();
    },
  };
}

export function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  return options.server ? startAlone(options, options.server) : startEmbedded(options);
}
