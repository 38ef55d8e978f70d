import 'reflect-metadata';
import { createControlPlane } from '../../control-plane/app.js';
import { controlPlaneConfigFrom, type ControlPlaneConfig } from '../../control-plane/config.js';
import type { Database } from '../../control-plane/db/orm.js';
import { listen } from '../../shared/http.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createTestDatabase } from './db.js';
import { GraphQLClient } from './graphql-client.js';

export interface TestControlPlane {
  url: string;
  db: Database;
  config: ControlPlaneConfig;
  /** A new client with its own cookie jar (a separate browser). */
  client(headers?: Record<string, string>): GraphQLClient;
  stop(): Promise<void>;
}

/**
 * A real control-plane on a loopback port over a fresh migrated database. `env`
 * overrides configuration exactly as environment variables would.
 */
export async function startTestControlPlane(env: Record<string, string> = {}, logger?: Logger): Promise<TestControlPlane> {
  const testDb = await createTestDatabase();
  const base = controlPlaneConfigFrom({ NODE_ENV: 'test', CONTROL_PLANE_PORT: '0', ...env });
  const config: ControlPlaneConfig = { ...base, database: testDb.config };
  const db = await testDb.open();
  const controlPlane = await createControlPlane({ config, db, logger: logger ?? createLogger({ level: 'silent', name: 'test' }) });
  const http = await listen(controlPlane.app, '127.0.0.1', 0);
  return {
    url: http.url,
    db,
    config,
    client: (headers) => new GraphQLClient(`${http.url}/graphql`, headers),
    async stop() {
      await http.close();
      await controlPlane.stop();
      await db.close();
      await testDb.dispose();
    },
  };
}
