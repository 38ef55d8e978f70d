import { Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Role } from '../account/account.entity.js';
import { addBuckets, MAX_BUCKETS } from '../usage/usage.buckets.js';
import { MAX_USAGE_ROWS, queryUsageBuckets } from '../usage/usage.resolver.js';
import { UsageStatisticsArgs, UsageStatisticsBucket } from './statistics.types.js';

@Resolver(() => UsageStatisticsBucket)
export class UsageStatisticsResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [UsageStatisticsBucket], {
    description:
      'Aggregate statistics (policy §2): requests and tokens across all accounts per time bucket, optionally split by model or provider. ' +
      'Accounts that restricted processing are left out (policy §6), for as long as the restriction lasts; calls no longer linked to an account are counted. ' +
      `\`from\` is rounded down and \`to\` up to whole buckets (UTC); at most ${MAX_BUCKETS} buckets and ${MAX_USAGE_ROWS} rows. Admins only.`,
  })
  async usageStatistics(@Ctx() ctx: Context, @Args() { from, to, granularity, groupBy }: UsageStatisticsArgs): Promise<UsageStatisticsBucket[]> {
    const rows = await queryUsageBuckets(ctx.em, { accountId: null, from, to, granularity, groupBy });
    return rows.map((row) => UsageStatisticsBucket.from(row, addBuckets(row.start, granularity, 1)));
  }
}
