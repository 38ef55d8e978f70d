import { Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { Role } from '../account/account.entity.js';
import { JobRun } from './job-run.entity.js';
import { JobRunConnection, JobRunsArgs, JobRunType } from './job-run.types.js';

@Resolver(() => JobRunType)
export class JobRunResolver {
  @Authorized(Role.ADMIN)
  @Query(() => JobRunConnection, {
    description: 'Runs of the periodic jobs (retention, purge …), newest first: when each ran, how it ended and what it did. Admins only.',
  })
  jobRuns(@Ctx() ctx: Context, @Args() args: JobRunsArgs) {
    return paginate(ctx.em, JobRun, args.name ? { job: args.name } : {}, args, JobRunType.from);
  }
}
