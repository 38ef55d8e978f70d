import { listen, type Listening } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { createDataPlaneApp, type ReadinessCheck } from './app.js';
import type { DataPlaneConfig } from './config.js';

/** Serves the data-plane until `close()`. */
export async function startDataPlane(config: DataPlaneConfig, logger: Logger, ready?: ReadinessCheck): Promise<Listening> {
  const http = await listen(createDataPlaneApp({ config, logger, ...(ready ? { ready } : {}) }), config.http.host, config.http.port);
  logger.info({ url: http.url }, 'data-plane listening');
  return http;
}
