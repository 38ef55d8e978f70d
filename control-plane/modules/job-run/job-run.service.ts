import type { Em } from '../../db/orm.js';
import { JobOutcome, JobRun, type JobCounts } from './job-run.entity.js';

/**
 * Runs `work` and records the run in `job_run`: a RUNNING row when it starts (so a run
 * that never ends is visible too), then its outcome, finish time and counts. The row
 * is written on its own entity manager, apart from the work's transactions, so a
 * failed run is recorded as such. The work's error is rethrown after recording.
 */
export async function recordJobRun<T>(fork: () => Em, job: string, work: () => Promise<T>, now: () => Date = () => new Date()): Promise<T> {
  const em = fork();
  const run = em.create(JobRun, { job, startedAt: now() });
  await em.persist(run).flush();
  try {
    const result = await work();
    Object.assign(run, { outcome: JobOutcome.SUCCEEDED, finishedAt: now(), counts: countsOf(result) });
    await em.flush();
    return result;
  } catch (error) {
    Object.assign(run, { outcome: JobOutcome.FAILED, finishedAt: now(), error: describeFailure(error) });
    await em.flush();
    throw error;
  }
}

/**
 * What a job's result says it did, as named counts: an object's numeric fields as
 * they are, a number as `count`, a list by its length as `items`; anything else
 * records no counts.
 */
export function countsOf(result: unknown): JobCounts {
  if (typeof result === 'number' && Number.isSafeInteger(result)) return { count: result };
  if (Array.isArray(result)) return { items: result.length };
  if (typeof result !== 'object' || result === null) return {};
  const counts: JobCounts = {};
  for (const [name, value] of Object.entries(result)) if (typeof value === 'number' && Number.isSafeInteger(value)) counts[name] = value;
  return counts;
}

/**
 * A failure as admins may read it: SQL errors by SQLSTATE only (their message and
 * detail can quote row values, which are personal data), other errors by message.
 */
export function describeFailure(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code && /^[0-9A-Z]{5}$/.test(code)) return `SQLSTATE ${code}`;
  const message = error instanceof Error ? error.message : String(error);
  return (code ? `${code}: ${message}` : message).slice(0, 500);
}
