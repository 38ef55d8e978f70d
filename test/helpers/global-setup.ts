import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate, openDatabase } from '../../control-plane/db/orm.js';
import { createLogger } from '../../shared/logger.js';
import { testServerUrl } from './test-env.js';

const silent = createLogger({ level: 'silent', name: 'test' });

/**
 * Migrates one database for the whole run, then hands test files a snapshot to
 * start from: a fresh PGlite costs seconds, a restore far less; on a server, each
 * file clones a migrated template database.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = testServerUrl();
  if (serverUrl) {
    const template = `tokenbyte_test_template_${process.pid}`;
    await adminQuery(serverUrl, `drop database if exists ${template}`);
    await adminQuery(serverUrl, `create database ${template}`);
    const db = await openDatabase({ kind: 'postgres', url: withDatabase(serverUrl, template) }, silent);
    await migrate(db);
    await db.close();
    project.provide('templateDatabase', template);
    project.provide('pgliteSnapshot', null);
    return async () => {
      await dropTestDatabases(serverUrl, template);
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenbyte-test-'));
  const pglite = await PGlite.create();
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, silent, { pglite });
  await migrate(db);
  const dump = await pglite.dumpDataDir('none');
  await db.close();
  const snapshot = path.join(dir, 'migrated.tar');
  await writeFile(snapshot, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteSnapshot', snapshot);
  project.provide('templateDatabase', null);
  return () => rm(dir, { recursive: true, force: true });
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(serverUrl: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function dropTestDatabases(serverUrl: string, template: string): Promise<void> {
  const { rows } = await adminQuery(serverUrl, `select datname from pg_database where datname like 'tokenbyte_test_%_${process.pid}%'`);
  for (const row of rows as { datname: string }[]) {
    await adminQuery(serverUrl, `drop database if exists ${row.datname} with (force)`);
  }
  await adminQuery(serverUrl, `drop database if exists ${template} with (force)`);
}
