import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type Database } from '../../../control-plane/db/orm.js';
import { createLogger } from '../../../shared/logger.js';
import { adminQuery, withDatabase } from '../../helpers/global-setup.js';
import { testServerUrl } from '../../helpers/test-env.js';

/**
 * An empty database, not migrated at all (the shared snapshot is already past every
 * migration), on the engine this run uses: PGlite, or the PostgreSQL server.
 */
export async function openUnmigratedDatabase(): Promise<{ db: Database; dispose(): Promise<void> }> {
  const logger = createLogger({ level: 'silent', name: 'test' });
  const serverUrl = testServerUrl();
  if (serverUrl) {
    const name = `tokenbyte_test_fresh_${randomBytes(4).toString('hex')}_${process.pid}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const db = await openDatabase({ kind: 'postgres', url: withDatabase(serverUrl, name) }, logger);
    return {
      db,
      async dispose() {
        await db.close();
        await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
      },
    };
  }
  const pglite = await PGlite.create();
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, logger, { pglite });
  return { db, dispose: () => db.close() };
}
