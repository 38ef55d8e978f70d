import type { Logger } from '../../shared/logger.js';
import type { ControlPlaneConfig } from '../config.js';
import type { Database } from '../db/orm.js';
import { pruneLoginFailuresJob } from './prune-login-failures.js';

export interface JobDeps {
  db: Database;
  config: ControlPlaneConfig;
  logger: Logger;
}

/** A periodic housekeeping task. `run` must be idempotent: it may run twice, or on two instances. */
export interface Job {
  name: string;
  everyMs: number;
  run(deps: JobDeps): Promise<unknown>;
}

/** Every periodic job of the control-plane. A new job is one line here. */
export const jobs: readonly Job[] = [pruneLoginFailuresJob];

/** Starts every job on its interval; the timers never keep the process alive. */
export function startJobs(deps: JobDeps, list: readonly Job[] = jobs): { stop(): void } {
  const timers = list.map((job) => {
    const timer = setInterval(() => {
      job.run(deps).catch((err: unknown) => deps.logger.error({ err, job: job.name }, 'job failed'));
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach((t) => clearInterval(t)) };
}
