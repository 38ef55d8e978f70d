import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../../control-plane/config.js';
import { startControlPlane } from '../../../control-plane/start.js';
import { catalogueSeed } from '../../../shared/catalogue.js';
import { createLogger } from '../../../shared/logger.js';
import { GraphQLClient, LOG_IN, ME, newUser, SIGN_UP } from '../../helpers/graphql-client.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the embedded database (npm start without DATABASE_URL)', () => {
  // Two PGlite start-ups from disk: seconds each, more on a loaded machine.
  it('migrates at start, keeps its data in DATA_DIR across restarts, and applies BOOTSTRAP_ADMIN_LOGIN', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tokenbyte-data-'));
    dirs.push(dataDir);
    const logger = createLogger({ level: 'silent', name: 'test' });
    const user = newUser();

    const first = await startControlPlane(controlPlaneConfigFrom({ DATA_DIR: dataDir, CONTROL_PLANE_PORT: '0' }), logger);
    try {
      expect(first.db.kind).toBe('pglite');
      const created = await new GraphQLClient(`${first.http.url}/graphql`).data(SIGN_UP, { input: user });
      expect(created.signUp.userErrors).toEqual([]);
    } finally {
      await first.stop();
    }

    const env = { DATA_DIR: dataDir, CONTROL_PLANE_PORT: '0', BOOTSTRAP_ADMIN_LOGIN: user.email };
    const second = await startControlPlane(controlPlaneConfigFrom(env), logger);
    try {
      const client = new GraphQLClient(`${second.http.url}/graphql`);
      const login = await client.data(LOG_IN, { input: { login: user.username, password: user.password } });
      expect(login.logIn.userErrors).toEqual([]);
      expect((await client.data(ME)).me).toMatchObject({ username: user.username, role: 'ADMIN' });
      // The catalogue was seeded at the first start, and only then.
      const { models } = await client.data(`{ models(first: 100, includeDisabled: true) { nodes { name } } }`);
      expect(models.nodes.map((m: { name: string }) => m.name).sort()).toEqual(catalogueSeed().map((m) => m.name).sort());
      const health = await fetch(`${second.http.url}/readyz`);
      expect(await health.json()).toEqual({ status: 'ready' });
    } finally {
      await second.stop();
    }
  });
});
