import 'reflect-metadata';
import { loadDataPlaneConfig } from '../data-plane/config.js';
import { startDataPlane } from '../data-plane/start.js';
import { createLogger } from '../shared/logger.js';
import { createPgliteSqlClient } from '../shared/sql.js';
import { loadControlPlaneConfig } from './config.js';
import { startControlPlane } from './start.js';

// `npm start`: both planes in one process on one database (the embedded one by
// default), for a laptop. Production runs each plane on its own (see README).
const controlConfig = loadControlPlaneConfig();
const dataConfig = loadDataPlaneConfig();
const logger = createLogger({ level: controlConfig.logLevel, name: 'tokenbyte' });

const control = await startControlPlane(controlConfig, logger.child({ plane: 'control' }));
const embedded = control.db.pglite;
const data = await startDataPlane(dataConfig, logger.child({ plane: 'data' }), embedded ? { sql: createPgliteSqlClient(embedded) } : {});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    // The data-plane first: its last usage events still need the database.
    data
      .stop()
      .then(() => control.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
