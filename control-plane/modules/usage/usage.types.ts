import { SafeIntResolver } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { UsageStatus } from '../../../shared/usage-event.js';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Money } from '../../graphql/money.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { ApiKeyType } from '../api-key/api-key.types.js';
import { Granularity, MAX_BUCKETS } from './usage.buckets.js';
import { UsageGroupBy, type UsageBucketRow, type UsageEventRecord } from './usage.service.js';

registerEnumType(Granularity, {
  name: 'UsageGranularity',
  description: 'The width of a usage bucket. Buckets are aligned in UTC.',
  valuesConfig: {
    HOUR: { description: 'One hour, from a full UTC hour.' },
    DAY: { description: 'One day, from UTC midnight.' },
    MONTH: { description: 'One calendar month, from UTC midnight on its first day.' },
  },
});

registerEnumType(UsageGroupBy, {
  name: 'UsageGroupBy',
  description: 'What each usage bucket is split by, besides time.',
  valuesConfig: {
    NONE: { description: 'Nothing: one total per bucket.' },
    MODEL: { description: 'The public model name.' },
    PROVIDER: { description: 'The upstream provider.' },
    API_KEY: { description: 'The API key that made the calls.' },
  },
});

registerEnumType(UsageStatus, {
  name: 'UsageStatus',
  description: 'How a model call through the data-plane ended.',
  valuesConfig: {
    SUCCESS: { description: 'The provider answered 2xx and the answer reached the client.' },
    UPSTREAM_ERROR: { description: 'The provider answered with an error status, or could not be reached.' },
    TIMEOUT: { description: 'The provider did not answer (or stalled) within the timeout.' },
    CLIENT_ABORT: { description: 'The client went away before the answer was complete; the provider call was aborted.' },
    REJECTED: { description: 'The gateway refused the call itself (model not allowed, malformed, too large).' },
  },
});

@ObjectType({
  description:
    'Usage totals of one time bucket, for one group when the query is grouped. Only buckets that have calls exist: a bucket without any is left out, not returned as zeros.',
})
export class UsageBucket {
  @Field({ description: 'The first instant of the bucket (UTC).' })
  start!: Date;

  @Field({ description: 'The first instant after the bucket: the bucket is [start, end).' })
  end!: Date;

  @Field(() => String, { nullable: true, description: 'The model of this group; null unless grouped by MODEL.' })
  model!: string | null;

  @Field(() => String, { nullable: true, description: 'The provider of this group; null unless grouped by PROVIDER.' })
  provider!: string | null;

  @Field(() => ApiKeyType, {
    nullable: true,
    description: 'The API key of this group; null unless grouped by API_KEY, and for calls whose key no longer exists.',
  })
  apiKey?: ApiKeyType | null;

  @Field(() => SafeIntResolver, { description: 'How many calls.' })
  requests!: number;

  @Field(() => SafeIntResolver, { description: 'Input (prompt) tokens, cached ones included.' })
  inputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Input tokens the provider served from its prompt cache (part of inputTokens).' })
  cachedInputTokens!: number;

  @Field(() => SafeIntResolver, { description: "Input tokens written to the provider's prompt cache (part of inputTokens)." })
  cacheWriteTokens!: number;

  @Field(() => SafeIntResolver, {
    description: 'Input tokens written to a one-hour prompt cache (part of cacheWriteTokens; Anthropic\'s `cache_control.ttl: "1h"`), billed at the one-hour cache-write price.',
  })
  cacheWrite1hTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output (completion) tokens, reasoning ones included.' })
  outputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output tokens spent on reasoning.' })
  reasoningTokens!: number;

  @Field(() => SafeIntResolver, { description: 'How many of the calls have estimated token counts (the provider reported none).' })
  estimatedRequests!: number;

  @Field(() => Money, { description: 'What the calls cost: the exact sum of their costs, each at the price version it was costed with.' })
  cost!: Money;

  /** For the apiKey field resolver; not part of the schema. */
  apiKeyId!: string | null;
  accountId!: string;

  static from({ costPicoUsd, ...row }: UsageBucketRow, end: Date, accountId: string): UsageBucket {
    return Object.assign(new UsageBucket(), { ...row, cost: Money.fromPicoUsd(costPicoUsd), end, accountId });
  }
}

@ObjectType('UsageEvent', {
  implements: Node,
  description: 'One model call through the data-plane: its metadata, token counts and outcome. Never its content.',
})
export class UsageEventType extends Node {
  @Field({ description: 'The request id the client received in the `x-tokenbyte-request-id` header (a UUID).' })
  requestId!: string;

  @Field({ description: 'When the call arrived.' })
  createdAt!: Date;

  @Field({ description: 'The upstream provider that served the call.' })
  provider!: string;

  @Field({ description: 'The public model name that was called.' })
  model!: string;

  @Field(() => ApiKeyType, { nullable: true, description: 'The API key that made the call; null when it no longer exists.' })
  apiKey?: ApiKeyType | null;

  @Field(() => SafeIntResolver, { description: 'Input (prompt) tokens, cached ones included.' })
  inputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Input tokens the provider served from its prompt cache (part of inputTokens).' })
  cachedInputTokens!: number;

  @Field(() => SafeIntResolver, { description: "Input tokens written to the provider's prompt cache (part of inputTokens)." })
  cacheWriteTokens!: number;

  @Field(() => SafeIntResolver, {
    description: 'Input tokens written to a one-hour prompt cache (part of cacheWriteTokens; Anthropic\'s `cache_control.ttl: "1h"`), billed at the one-hour cache-write price.',
  })
  cacheWrite1hTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output (completion) tokens, reasoning ones included.' })
  outputTokens!: number;

  @Field(() => SafeIntResolver, { description: 'Output tokens spent on reasoning.' })
  reasoningTokens!: number;

  @Field(() => Money, {
    description:
      'What the call cost, exactly, at its price version: (input − cached − cache write) × input price + cached × cached-input price + ' +
      '(cache write − one-hour cache write) × cache-write price + one-hour cache write × one-hour cache-write price + (output − reasoning) × output price + reasoning × reasoning price, prices per million tokens.',
  })
  cost!: Money;

  @Field({ description: 'True when the provider reported no usage (for example an aborted stream) and the token counts are an estimate.' })
  usageEstimated!: boolean;

  @Field(() => UsageStatus, { description: 'How the call ended.' })
  status!: UsageStatus;

  @Field(() => Int, { description: 'The HTTP status the client received (or would have, for an abort).' })
  httpStatus!: number;

  @Field(() => Int, { description: 'Milliseconds from arrival until the answer was complete.' })
  latencyMs!: number;

  @Field(() => Int, { nullable: true, description: 'Milliseconds until the first byte of the answer; null when none arrived.' })
  ttftMs!: number | null;

  @Field(() => String, { nullable: true, description: 'The IP address the call came from.' })
  clientIp!: string | null;

  @Field(() => String, { nullable: true, description: 'The user agent of the caller.' })
  userAgent!: string | null;

  /** For the apiKey and priceVersion field resolvers and cursors; not part of the schema. */
  apiKeyId!: string | null;
  accountId!: string | null;
  priceVersionId!: string | null;
  createdAtExact!: string;

  static from({ costPicoUsd, ...record }: UsageEventRecord): UsageEventType {
    return Object.assign(new UsageEventType(), { ...record, cost: Money.fromPicoUsd(costPicoUsd), id: toGlobalId('UsageEvent', record.requestId) });
  }
}

export const UsageEventConnection = Connection('UsageEvent', UsageEventType, 'A page of usage events, newest first.');

@InputType({ description: 'Narrows a list of usage events; every field given must match.' })
export class UsageEventFilter {
  @Field(() => Date, { nullable: true, description: 'Only events at or after this instant.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only events before this instant.' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: 'Only calls of this public model name.' })
  model?: string | null;

  @Field(() => String, { nullable: true, description: 'Only calls served by this provider.' })
  provider?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only calls made with this API key.' })
  apiKey?: string | null;

  @Field(() => UsageStatus, { nullable: true, description: 'Only calls that ended this way.' })
  status?: UsageStatus | null;
}

const ACCOUNT_ARG = 'Whose usage: an Account id. Leave out for my own; only admins may name another account.';

/** The arguments of Query.usage, declared as a class so the schema lists them in this order. */
@ArgsType()
export class UsageArgs {
  @Field(() => Date, { description: 'The start of the range (inclusive), rounded down to the start of its bucket.' })
  from!: Date;

  @Field(() => Date, { description: `The end of the range (exclusive), rounded up to the end of its bucket; after \`from\`, at most ${MAX_BUCKETS} buckets later.` })
  to!: Date;

  @Field(() => Granularity, { description: 'The width of a bucket.' })
  granularity!: Granularity;

  @Field(() => UsageGroupBy, { defaultValue: UsageGroupBy.NONE, description: 'What to split each bucket by.' })
  groupBy!: UsageGroupBy;

  @Field(() => ID, { nullable: true, description: ACCOUNT_ARG })
  account?: string | null;
}

/** The arguments of Query.usageEvents: a page, a filter and whose events. */
@ArgsType()
export class UsageEventsArgs extends ConnectionArgs {
  @Field(() => UsageEventFilter, { nullable: true, description: 'Only the events that match.' })
  filter?: UsageEventFilter | null;

  @Field(() => ID, { nullable: true, description: ACCOUNT_ARG })
  account?: string | null;
}
