import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteMikroORM } from '@mikro-orm/pglite';
import { MikroORM as PostgresMikroORM, type SqlEntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '../../shared/logger.js';
import type { DatabaseConfig } from '../config.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';

/** The entity manager both drivers share: PostgreSQL semantics over SQL. */
export type Em = SqlEntityManager;

export interface Database {
  readonly kind: DatabaseConfig['kind'];
  readonly orm: MikroORM;
  /** A fresh entity manager (own identity map) for one request or job. */
  fork(): Em;
  /** The embedded instance, when running on PGlite (for snapshots and LISTEN/NOTIFY). */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

const shared = (logger: Logger) => ({
  entities,
  metadataProvider: ReflectMetadataProvider,
  extensions: [Migrator],
  migrations: { migrationsList, snapshot: false, transactional: true, allOrNothing: true },
  // Schema changes happen only through committed migrations.
  ensureDatabase: false,
  logger: (message: string) => logger.debug({ orm: true }, message),
  debug: false,
});

/**
 * Opens the database: PostgreSQL when a URL is configured, otherwise the embedded
 * PGlite in `dataDir` (or the instance passed in, which tests restore from a snapshot).
 */
export async function openDatabase(
  config: DatabaseConfig,
  logger: Logger,
  options: { pglite?: PGlite } = {},
): Promise<Database> {
  if (config.kind === 'postgres') {
    const orm = await PostgresMikroORM.init({ ...shared(logger), clientUrl: config.url, pool: { min: 0, max: 10 } });
    return { kind: 'postgres', orm, fork: () => orm.em.fork() as unknown as Em, close: () => orm.close(true) };
  }
  let pglite = options.pglite;
  if (!pglite) {
    // `memory://` is PGlite's in-memory database, not a folder.
    if (!config.dataDir.startsWith('memory://')) await mkdir(config.dataDir, { recursive: true });
    pglite = await PGlite.create({ dataDir: config.dataDir });
  }
  const embedded = pglite;
  const orm = await PgliteMikroORM.init({ ...shared(logger), dbName: 'postgres', driverOptions: { pglite: embedded } });
  return {
    kind: 'pglite',
    orm,
    fork: () => orm.em.fork() as unknown as Em,
    pglite: embedded,
    close: async () => {
      await orm.close(true);
      if (!embedded.closed) await embedded.close();
    },
  };
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(db: Database): Promise<string[]> {
  const applied = await db.orm.migrator.up();
  return applied.map((m) => m.name);
}
