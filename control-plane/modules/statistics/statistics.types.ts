import { SafeIntResolver } from 'graphql-scalars';
import { ArgsType, Field, ObjectType, registerEnumType } from 'type-graphql';
import { Granularity, MAX_BUCKETS } from '../usage/usage.buckets.js';
import type { UsageBucketRow } from '../usage/usage.service.js';

/** What aggregate statistics can be split by: never by anything that points at a person. */
export const UsageStatisticsGroupBy = { NONE: 'NONE', MODEL: 'MODEL', PROVIDER: 'PROVIDER' } as const;
export type UsageStatisticsGroupBy = (typeof UsageStatisticsGroupBy)[keyof typeof UsageStatisticsGroupBy];

registerEnumType(UsageStatisticsGroupBy, {
  name: 'UsageStatisticsGroupBy',
  description: 'What each bucket of aggregate statistics is split by, besides time.',
  valuesConfig: {
    NONE: { description: 'Nothing: one total per bucket.' },
    MODEL: { description: 'The public model name.' },
    PROVIDER: { description: 'The upstream provider.' },
  },
});

@ObjectType({
  description:
    'Service-wide usage of one time bucket (and group), summed over every account that has not restricted processing. Only buckets with calls exist.',
})
export class UsageStatisticsBucket {
  @Field({ description: 'The first instant of the bucket (UTC).' })
  start!: Date;

  @Field({ description: 'The first instant after the bucket: the bucket is [start, end).' })
  end!: Date;

  @Field(() => String, { nullable: true, description: 'The model of this group; null unless grouped by MODEL.' })
  model!: string | null;

  @Field(() => String, { nullable: true, description: 'The provider of this group; null unless grouped by PROVIDER.' })
  provider!: string | null;

  @Field(() => SafeIntResolver, { description: 'How many calls.' })
  requests!: number;

  @Field(() => SafeIntResolver, { description: 'Input (prompt) tokens, cached ones included.' })
  inputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Input tokens the provider served from its prompt cache (part of inputTokens).' })
  cachedInputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output (completion) tokens, reasoning ones included.' })
  outputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output tokens spent on reasoning (part of outputTokens).' })
  reasoningTokens!: number;

  static from(row: UsageBucketRow, end: Date): UsageStatisticsBucket {
    return Object.assign(new UsageStatisticsBucket(), {
      start: row.start,
      end,
      model: row.model,
      provider: row.provider,
      requests: row.requests,
      inputTokens: row.inputTokens,
      cachedInputTokens: row.cachedInputTokens,
      outputTokens: row.outputTokens,
      reasoningTokens: row.reasoningTokens,
    });
  }
}

/** The arguments of Query.usageStatistics. */
@ArgsType()
export class UsageStatisticsArgs {
  @Field(() => Date, { description: 'The start of the range (inclusive), rounded down to the start of its bucket.' })
  from!: Date;

  @Field(() => Date, { description: `The end of the range (exclusive), rounded up to the end of its bucket; after \`from\`, at most ${MAX_BUCKETS} buckets later.` })
  to!: Date;

  @Field(() => Granularity, { description: 'The width of a bucket.' })
  granularity!: Granularity;

  @Field(() => UsageStatisticsGroupBy, { defaultValue: UsageStatisticsGroupBy.NONE, description: 'What to split each bucket by.' })
  groupBy!: UsageStatisticsGroupBy;
}
