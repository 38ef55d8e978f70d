import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { dataPlaneConfigFrom } from '../../data-plane/config.js';
import { startDataPlane, type RunningDataPlane } from '../../data-plane/start.js';
import { createLogger } from '../../shared/logger.js';
import type { SqlClient } from '../../shared/sql.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';
import { TEST_API_KEY_PEPPER, TEST_UPSTREAM_CREDENTIALS_KEY } from './test-env.js';

export interface TestStack {
  cp: TestControlPlane;
  /** Data-plane instances, each with its own database connection, key cache and spool. */
  planes: RunningDataPlane[];
  /** Every log line either plane wrote, raw. */
  logs: string[];
  spoolRoot: string;
  stop(): Promise<void>;
}

/**
 * The whole product on loopback with real components: a control-plane and
 * `instances` data-planes on one fresh database, forwarding to `upstream`.
 */
export async function startTestStack(options: { instances?: number; upstream: { baseUrl: string; apiKey: string }; env?: Record<string, string> }): Promise<TestStack> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'stack', destination });
  const cp = await startTestControlPlane({ LOG_LEVEL: 'debug' }, logger);
  const spoolRoot = await mkdtemp(path.join(os.tmpdir(), 'tokenbyte-spool-'));
  const planes: RunningDataPlane[] = [];
  const clients: SqlClient[] = [];
  for (let i = 0; i < (options.instances ?? 1); i++) {
    const config = dataPlaneConfigFrom({
      DATA_PLANE_PORT: '0',
      API_KEY_PEPPER: TEST_API_KEY_PEPPER,
      UPSTREAM_CREDENTIALS_KEY: TEST_UPSTREAM_CREDENTIALS_KEY,
      OPENAI_BASE_URL: options.upstream.baseUrl,
      OPENAI_API_KEY: options.upstream.apiKey,
      USAGE_SPOOL_DIR: path.join(spoolRoot, `instance-${i}`),
      ...options.env,
    });
    const sql = cp.sqlClient();
    clients.push(sql);
    planes.push(await startDataPlane(config, logger.child({ plane: `data-${i}` }), { sql }));
  }
  return {
    cp,
    planes,
    logs,
    spoolRoot,
    async stop() {
      for (const plane of planes) await plane.stop();
      for (const sql of clients) await sql.close();
      await cp.stop();
      await rm(spoolRoot, { recursive: true, force: true });
    },
  };
}
