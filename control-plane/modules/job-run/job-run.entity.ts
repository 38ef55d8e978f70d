import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';

export const JobOutcome = {
  /** Started and not finished: still going, or the process stopped mid-run. */
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
} as const;
export type JobOutcome = (typeof JobOutcome)[keyof typeof JobOutcome];

/** What one run of a job did: named counts (rows removed, partitions created …). */
export type JobCounts = Record<string, number>;

/** One run of a periodic job, for admins to see that housekeeping happens. Holds no personal data. */
@Entity({ tableName: 'job_run' })
@Index({ properties: ['job', 'id'] })
export class JobRun {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'string', length: 64 })
  job!: string;

  @Property({ type: 'datetime', index: true })
  startedAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  finishedAt: Opt<Date> | null = null;

  @Property({ type: 'string', length: 16 })
  outcome: Opt<JobOutcome> = JobOutcome.RUNNING;

  @Property({ type: 'json' })
  counts: Opt<JobCounts> = {};

  /** The failure's code and message only: never a stack, never row data. */
  @Property({ type: 'string', length: 500, nullable: true })
  error: Opt<string> | null = null;
}
