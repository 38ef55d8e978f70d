import type { Logger } from '../../shared/logger.js';
import type { ControlPlaneConfig } from '../config.js';
import type { Database } from '../db/orm.js';
import { pruneLoginFailures } from '../modules/security-event/login-throttle.js';

const EVERY_FIVE_MINUTES = 5 * 60_000;

/** Starts the periodic housekeeping jobs; they never keep the process alive. */
export function startJobs(deps: { db: Database; config: ControlPlaneConfig; logger: Logger }): { stop(): void } {
  const timer = setInterval(() => {
    pruneLoginFailures(deps.db.fork(), deps.config.loginThrottle.windowMs).catch((err: unknown) =>
      deps.logger.error({ err }, 'pruning login failures failed'),
    );
  }, EVERY_FIVE_MINUTES);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
