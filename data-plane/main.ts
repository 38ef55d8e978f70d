import { createLogger } from '../shared/logger.js';
import { loadDataPlaneConfig } from './config.js';
import { startDataPlane } from './start.js';

const config = loadDataPlaneConfig();
const logger = createLogger({ level: config.logLevel, name: 'data-plane' });
const running = await startDataPlane(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'data-plane failed to start');
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
