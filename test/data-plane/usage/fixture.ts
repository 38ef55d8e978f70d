import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createUsageWriter, type UsageWriter, type UsageWriterOptions } from '../../../data-plane/usage/writer.js';
import { createLogger } from '../../../shared/logger.js';
import type { SqlClient } from '../../../shared/sql.js';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { createTestSqlClient } from '../../helpers/db.js';
import { insertAccountAndKey, segmentFiles, sortById, tempDirs } from './helpers.js';

export const silent = createLogger({ level: 'silent', name: 'test' });

/**
 * One migrated test database per file (with an account and an api key for the
 * foreign keys), temp spool directories and writers that are torn down after each test.
 */
export function useWriterFixture() {
  const dirs = tempDirs();
  const writers: UsageWriter[] = [];
  let db: Awaited<ReturnType<typeof createTestSqlClient>> | undefined;
  let owner: { accountId: string; apiKeyId: string } | undefined;

  beforeAll(async () => {
    db = await createTestSqlClient();
    owner = await insertAccountAndKey(db.sql);
  });
  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.close()));
    await dirs.cleanup();
  });
  afterAll(async () => {
    await db?.close();
  });

  return {
    /** The real test database. */
    get sql(): SqlClient {
      if (!db) throw new Error('fixture used outside a test');
      return db.sql;
    },
    get owner(): { accountId: string; apiKeyId: string } {
      if (!owner) throw new Error('fixture used outside a test');
      return owner;
    },
    tempDir: () => dirs.make(),
    /** A writer the fixture closes; quick retries so recovery is observable in milliseconds. */
    writer(options: Partial<UsageWriterOptions> & { sql: SqlClient; spoolDir: string }): UsageWriter {
      const w = createUsageWriter({ logger: silent, retryIntervalMs: 20, ...options });
      writers.push(w);
      return w;
    },
    /** A model name unique to the calling test, so it finds exactly its own rows. */
    model: () => `m-${randomUUID()}`,
  };
}

/** The events in the spool segments of `dir`, sorted by request id. */
export async function spooledEvents(dir: string): Promise<UsageEvent[]> {
  const files = await segmentFiles(dir);
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  return sortById(texts.flatMap((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as UsageEvent)));
}
