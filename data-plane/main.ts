import { createLogger } from '../shared/logger.js';
import { loadDataPlaneConfig } from './config.js';
import { startDataPlane } from './start.js';

const config = loadDataPlaneConfig();
const logger = createLogger({ level: config.logLevel, name: 'data-plane' });
const http = await startDataPlane(config, logger);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    http.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
