import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../control-plane/db/orm.js';
import type { DatabaseConfig } from '../../control-plane/config.js';
import { createLogger } from '../../shared/logger.js';
import { createPgliteSqlClient, createPgSqlClient, type SqlClient } from '../../shared/sql.js';
import { adminQuery, withDatabase } from './global-setup.js';
import { testServerUrl } from './test-env.js';

export interface TestDatabase {
  config: DatabaseConfig;
  /** PGlite mode: the instance restored from the migrated snapshot. */
  pglite?: PGlite;
  open(): Promise<Database>;
  /** Drops the per-file database (server mode). */
  dispose(): Promise<void>;
}

/** A fresh, fully migrated database for one test file: real PostgreSQL semantics either way. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const logger = createLogger({ level: 'silent', name: 'test' });
  const template = inject('templateDatabase');
  const serverUrl = testServerUrl();
  if (template && serverUrl) {
    const name = `tokenbyte_test_${randomBytes(4).toString('hex')}_${template.split('_').at(-1)}`;
    await adminQuery(serverUrl, `create database ${name} template ${template}`);
    const config = { kind: 'postgres', url: withDatabase(serverUrl, name) } as const;
    return {
      config,
      open: () => openDatabase(config, logger),
      dispose: async () => {
        await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
      },
    };
  }
  const snapshot = inject('pgliteSnapshot');
  if (!snapshot) throw new Error('global setup provided no database snapshot');
  const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(snapshot)]) });
  const config = { kind: 'pglite', dataDir: 'memory://' } as const;
  return { config, pglite, open: () => openDatabase(config, logger, { pglite }), dispose: () => Promise.resolve() };
}

/** A {@link SqlClient} on a fresh migrated test database, as the data-plane would use it. */
export async function createTestSqlClient(): Promise<{ sql: SqlClient; db: TestDatabase; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const logger = createLogger({ level: 'silent', name: 'test' });
  const sql = db.pglite ? createPgliteSqlClient(db.pglite) : createPgSqlClient((db.config as { url: string }).url, logger);
  return {
    sql,
    db,
    async close() {
      await sql.close();
      await db.pglite?.close();
      await db.dispose();
    },
  };
}
