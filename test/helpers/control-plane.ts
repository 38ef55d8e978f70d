import 'reflect-metadata';
import { createControlPlane } from '../../control-plane/app.js';
import { controlPlaneConfigFrom, type ControlPlaneConfig } from '../../control-plane/config.js';
import type { Database } from '../../control-plane/db/orm.js';
import { seedCatalogue } from '../../control-plane/modules/catalogue/catalogue.seed.js';
import { listen } from '../../shared/http.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createPgliteSqlClient, createPgSqlClient, type SqlClient } from '../../shared/sql.js';
import { createTestDatabase } from './db.js';
import { GraphQLClient } from './graphql-client.js';
import { TEST_API_KEY_PEPPER, TEST_UPSTREAM_CREDENTIALS_KEY } from './test-env.js';

export interface TestControlPlane {
  url: string;
  db: Database;
  config: ControlPlaneConfig;
  /** A data-plane style SQL client on this control-plane's database (close it yourself). */
  sqlClient(): SqlClient;
  /** A new client with its own cookie jar (a separate browser). */
  client(headers?: Record<string, string>): GraphQLClient;
  stop(): Promise<void>;
}

/**
 * A real control-plane on a loopback port over a fresh migrated database, its model
 * catalogue seeded from shared/catalogue.json as at a real start (unless `seed` is
 * false). `env` overrides configuration exactly as environment variables would.
 */
export async function startTestControlPlane(env: Record<string, string> = {}, logger?: Logger, options: { seed?: boolean } = {}): Promise<TestControlPlane> {
  const testDb = await createTestDatabase();
  const base = controlPlaneConfigFrom({
    NODE_ENV: 'test',
    CONTROL_PLANE_PORT: '0',
    API_KEY_PEPPER: TEST_API_KEY_PEPPER,
    UPSTREAM_CREDENTIALS_KEY: TEST_UPSTREAM_CREDENTIALS_KEY,
    ...env,
  });
  const config: ControlPlaneConfig = { ...base, database: testDb.config };
  const db = await testDb.open();
  if (options.seed ?? true) await seedCatalogue(db.fork());
  const controlPlane = await createControlPlane({ config, db, logger: logger ?? createLogger({ level: 'silent', name: 'test' }) });
  const http = await listen(controlPlane.app, '127.0.0.1', 0);
  return {
    url: http.url,
    db,
    config,
    client: (headers) => new GraphQLClient(`${http.url}/graphql`, headers),
    sqlClient: () =>
      testDb.pglite ? createPgliteSqlClient(testDb.pglite) : createPgSqlClient((testDb.config as { url: string }).url, createLogger({ level: 'silent', name: 'test' })),
    async stop() {
      await http.close();
      await controlPlane.stop();
      await db.close();
      await testDb.dispose();
    },
  };
}
