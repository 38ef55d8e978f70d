import { SafeIntResolver } from 'graphql-scalars';
import { ArgsType, Field, ObjectType, registerEnumType } from 'type-graphql';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { JobOutcome, type JobRun } from './job-run.entity.js';

registerEnumType(JobOutcome, {
  name: 'JobOutcome',
  description: 'How a run of a periodic job ended.',
  valuesConfig: {
    RUNNING: { description: 'Started and not finished: still going, or its process stopped mid-run.' },
    SUCCEEDED: { description: 'Finished without error.' },
    FAILED: { description: 'Stopped by an error; the job tries again at its next run.' },
  },
});

@ObjectType({ description: 'One named count of what a job run did, for example `usageRowsDeleted`.' })
export class JobRunCount {
  @Field({ description: 'What was counted (camelCase).' })
  name!: string;

  @Field(() => SafeIntResolver, { description: 'How many.' })
  value!: number;
}

@ObjectType('JobRun', { implements: Node, description: 'One run of a periodic job of the control-plane (retention, purge …).' })
export class JobRunType extends Node {
  @Field({ description: 'The job, for example `retention`.' })
  name!: string;

  @Field({ description: 'When the run started.' })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the run ended; null while it is RUNNING.' })
  finishedAt!: Date | null;

  @Field(() => JobOutcome, { description: 'How the run ended.' })
  outcome!: JobOutcome;

  @Field(() => [JobRunCount], { description: 'What the run did, as named counts; empty for a run that failed or counts nothing.' })
  counts!: JobRunCount[];

  @Field(() => String, { nullable: true, description: 'Why the run failed (an SQLSTATE or a message, never row data); null unless FAILED.' })
  error!: string | null;

  static from(run: JobRun): JobRunType {
    return Object.assign(new JobRunType(), {
      id: toGlobalId('JobRun', run.id),
      name: run.job,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      outcome: run.outcome,
      counts: Object.entries(run.counts).map(([name, value]) => Object.assign(new JobRunCount(), { name, value })),
      error: run.error,
    });
  }
}

export const JobRunConnection = Connection('JobRun', JobRunType, 'A page of job runs, newest first.');

/** The arguments of Query.jobRuns. */
@ArgsType()
export class JobRunsArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only the runs of this job (for example `retention`); all jobs when left out.' })
  name?: string | null;
}
