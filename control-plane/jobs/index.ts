import type { Logger } from '../../shared/logger.js';
import type { ControlPlaneConfig } from '../config.js';
import type { Database } from '../db/orm.js';
import { recordJobRun } from '../modules/job-run/job-run.service.js';
import { announcePolicyJob } from './announce-policy.js';
import { buildExportsJob } from './build-exports.js';
import { deliverEmailJob } from './deliver-email.js';
import { expireExportsJob } from './expire-exports.js';
import { liftProcessingRestrictionsJob } from './lift-processing-restrictions.js';
import { pruneEmailChangesJob } from './prune-email-changes.js';
import { pruneLoginFailuresJob } from './prune-login-failures.js';
import { purgeDeletedAccountsJob } from './purge-deleted-accounts.js';
import { retentionJob } from './retention.js';

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
export const jobs: readonly Job[] = [pruneLoginFailuresJob, recordedJob(purgeDeletedAccountsJob), liftProcessingRestrictionsJob, deliverEmailJob, announcePolicyJob, buildExportsJob, expireExportsJob, pruneEmailChangesJob, recordedJob(retentionJob)];

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

/**
 * The job, with each run recorded in `job_run` (start, finish, outcome, counts) for
 * admins to see through `jobRuns`. Opt in by wrapping the job in the list above:
 * `recordedJob(purgeDeletedAccountsJob)`. The counts come from what `run` returns: an
 * object's numeric fields (`{ accountsPurged: 3 }`), a number as `count`, an array's
 * length as `items`.
 */
export function recordedJob(job: Job): Job {
  return { ...job, run: (deps) => recordJobRun(() => deps.db.fork(), job.name, () => job.run(deps)) };
}
