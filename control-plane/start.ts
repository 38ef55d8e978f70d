import { listen, type Listening } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { createControlPlane, type ControlPlane } from './app.js';
import type { ControlPlaneConfig } from './config.js';
import { migrate, openDatabase, type Database } from './db/orm.js';
import { startJobs } from './jobs/index.js';
import { promoteToAdmin } from './modules/account/admin-bootstrap.js';
import { seedCatalogue } from './modules/catalogue/catalogue.seed.js';

export interface RunningControlPlane {
  db: Database;
  controlPlane: ControlPlane;
  http: Listening;
  stop(): Promise<void>;
}

/** Opens and migrates the database, then serves the control-plane and runs its jobs. */
export async function startControlPlane(config: ControlPlaneConfig, logger: Logger): Promise<RunningControlPlane> {
  const db = await openDatabase(config.database, logger);
  const applied = await migrate(db);
  logger.info({ database: db.kind, migrationsApplied: applied }, 'database ready');
  const seed = await seedCatalogue(db.fork());
  if (seed.seeded) logger.warn({ models: seed.models }, 'model catalogue seeded from shared/catalogue.json: list prices to be verified by an admin');
  if (config.bootstrapAdminLogin) {
    const result = await promoteToAdmin(db.fork(), config.bootstrapAdminLogin);
    logger.info({ result }, 'BOOTSTRAP_ADMIN_LOGIN applied');
  }
  const controlPlane = await createControlPlane({ config, db, logger });
  const http = await listen(controlPlane.app, config.http.host, config.http.port);
  const jobs = startJobs({ db, config, logger });
  logger.info({ url: `${http.url}/graphql` }, 'control-plane listening');
  return {
    db,
    controlPlane,
    http,
    async stop() {
      jobs.stop();
      await http.close();
      await controlPlane.stop();
      await db.close();
    },
  };
}
