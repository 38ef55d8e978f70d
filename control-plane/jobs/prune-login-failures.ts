import { pruneLoginFailures } from '../modules/security-event/login-throttle.js';
import type { Job } from './index.js';

/** Failed logins only matter inside the throttle window; older ones are dropped. */
export const pruneLoginFailuresJob: Job = {
  name: 'prune-login-failures',
  everyMs: 5 * 60_000,
  run: ({ db, config }) => pruneLoginFailures(db.fork(), config.loginThrottle.windowMs),
};
