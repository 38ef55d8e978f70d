import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../../control-plane/db/orm.js';
import { createLogger } from '../../../shared/logger.js';
import { createPgliteSqlClient, createPgSqlClient, type SqlClient } from '../../../shared/sql.js';
import { USAGE_EVENT_COLUMNS, usageEventRow, type UsageEvent } from '../../../shared/usage-event.js';
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

/**
 * For a test file: an unmigrated database (see openUnmigratedDatabase) and a plain SQL
 * client on it, opened before the file's tests and closed after them.
 */
export function useUnmigratedDatabase(): { readonly db: Database; readonly sql: SqlClient } {
  const state = {} as { db: Database; sql: SqlClient; dispose?: () => Promise<void> };
  beforeAll(async () => {
    const opened = await openUnmigratedDatabase();
    Object.assign(state, opened, { sql: sqlClientOf(opened.db) });
  });
  afterAll(async () => {
    await state.sql?.close();
    await state.dispose?.();
  });
  return state;
}

/** A plain SQL client on `db`, for statements the ORM does not know (the schema of a past migration). */
export function sqlClientOf(db: Database): SqlClient {
  return db.pglite
    ? createPgliteSqlClient(db.pglite)
    : createPgSqlClient(db.orm.config.get('clientUrl')!, createLogger({ level: 'silent', name: 'test' }));
}

/** Inserts `events` with the columns usage_event has at this point of its history (later migrations add more). */
export async function insertAsOfNow(client: SqlClient, events: UsageEvent[]): Promise<void> {
  const present = new Set(
    (await client.query<{ name: string }>(
      `select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'usage_event'`,
    )).map((row) => row.name),
  );
  const columns = USAGE_EVENT_COLUMNS.flatMap((name, index) => (present.has(name) ? [{ name, index }] : []));
  for (const event of events) {
    const row = usageEventRow(event);
    await client.query(
      `insert into usage_event (${columns.map((c) => `"${c.name}"`).join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => row[c.index]),
    );
  }
}
