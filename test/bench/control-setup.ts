// What the control-plane does before the data-plane can serve: migrate and seed the database
// (its own start), and issue a key (its api-key service). Only the embedded stack and the
// control-plane child load this, so a data-plane measured alone never loads control-plane code.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { controlPlaneConfigFrom } from '../../control-plane/config.js';
import type { Database } from '../../control-plane/db/orm.js';
import { Account } from '../../control-plane/modules/account/account.entity.js';
import { createApiKeyService } from '../../control-plane/modules/api-key/api-key.service.js';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/start.js';
import type { Logger } from '../../shared/logger.js';
import { BENCH_PEPPER, BENCH_UPSTREAM_CREDENTIALS_KEY } from './protocol.js';

/** Starts the control-plane as `npm start` does: migrations, catalogue seed, jobs, GraphQL on a free port. */
export function startControl(options: { dataDir: string; databaseUrl?: string | undefined; logger: Logger }): Promise<RunningControlPlane> {
  const config = controlPlaneConfigFrom({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATA_DIR: options.dataDir,
    CONTROL_PLANE_HOST: '127.0.0.1',
    CONTROL_PLANE_PORT: '0',
    API_KEY_PEPPER: BENCH_PEPPER,
    UPSTREAM_CREDENTIALS_KEY: BENCH_UPSTREAM_CREDENTIALS_KEY,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  return startControlPlane(config, options.logger.child({ plane: 'control' }));
}

/** One account and one key, made as the control-plane makes them (the hash under the pepper, a NOTIFY). */
export async function issueKey(db: Database): Promise<string> {
  const em = db.fork();
  const account = em.create(Account, {
    username: 'bench',
    usernameCanonical: 'bench',
    email: 'bench@example.invalid',
    emailCanonical: 'bench@example.invalid',
    // Never logs in: no password hash would ever match this.
    passwordHash: '!',
  });
  await em.flush();
  const service = createApiKeyService({ pepper: Buffer.from(BENCH_PEPPER, 'utf8') });
  const issued = await service.create(em, account, { name: 'bench' }, { ip: null, userAgent: null });
  if (!issued.ok) throw new Error(`could not issue a key: ${JSON.stringify(issued.problems)}`);
  return issued.value.secret;
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates `tokenbyte_bench_<random>` on the server; returns its URL and how to drop it. */
export async function createServerDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tokenbyte_bench_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(serverUrl, `drop database if exists ${name} with (force)`) };
}
