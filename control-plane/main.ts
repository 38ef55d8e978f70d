import 'reflect-metadata';
import { createLogger } from '../shared/logger.js';
import { loadControlPlaneConfig } from './config.js';
import { startControlPlane } from './start.js';

const config = loadControlPlaneConfig();
const logger = createLogger({ level: config.logLevel, name: 'control-plane' });
const running = await startControlPlane(config, logger);

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
