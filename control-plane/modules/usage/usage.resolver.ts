import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { MAX_PAGE_SIZE, PageInfo, type ConnectionShape } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { badInput, forbidden } from '../../graphql/errors.js';
import { requireGlobalId } from '../../graphql/node.js';
import { Role } from '../account/account.entity.js';
import { ApiKeyType } from '../api-key/api-key.types.js';
import { auditAdminRead } from '../audit/audit.js';
import { ModelPriceType } from '../catalogue/catalogue.types.js';
import { addBuckets, bucketRange, isQueryableInstant, MAX_BUCKETS, type Granularity } from './usage.buckets.js';
import { aggregateUsage, listUsageEvents, type UsageBucketRow, type UsageEventKeyset, type UsageGroupBy } from './usage.service.js';
import { UsageArgs, UsageBucket, UsageEventConnection, UsageEventsArgs, UsageEventType } from './usage.types.js';

/** The most rows (buckets × groups) one usage query returns; past it the caller must narrow the query. */
export const MAX_USAGE_ROWS = 10_000;

const OUT_OF_SPAN = 'Usage can be queried between 1970 and 9000.';

/**
 * Checks a usage time series query (instants in span, `to` after `from`, at most
 * MAX_BUCKETS buckets) and runs it over whole buckets, refusing answers over
 * MAX_USAGE_ROWS rows. Shared by `usage` and the admins' `usageStatistics`.
 */
export async function queryUsageBuckets(
  em: Context['em'],
  q: { accountId: string | null; from: Date; to: Date; granularity: Granularity; groupBy: UsageGroupBy },
): Promise<UsageBucketRow[]> {
  const { from, to, granularity } = q;
  if (!isQueryableInstant(from)) throw badInput(OUT_OF_SPAN, 'from');
  if (!isQueryableInstant(to)) throw badInput(OUT_OF_SPAN, 'to');
  const range = bucketRange(from, to, granularity);
  if (!range) throw badInput('`to` must be after `from`.', 'to');
  if (range.buckets > MAX_BUCKETS) {
    throw badInput(`The range spans ${range.buckets} buckets; at most ${MAX_BUCKETS} are allowed. Narrow it or choose a coarser granularity.`, 'from');
  }
  const rows = await aggregateUsage(em, { accountId: q.accountId, start: range.start, end: range.end, granularity, groupBy: q.groupBy, limit: MAX_USAGE_ROWS + 1 });
  if (rows.length > MAX_USAGE_ROWS) {
    throw badInput(`The answer has more than ${MAX_USAGE_ROWS} rows. Narrow the range or choose a coarser granularity.`, 'from');
  }
  return rows;
}

@Resolver(() => UsageBucket)
export class UsageResolver {
  @Authorized()
  @Query(() => [UsageBucket], {
    description:
      `Usage totals per time bucket, optionally split by model, provider or API key. \`from\` is rounded down and \`to\` up to whole buckets (UTC); ` +
      `at most ${MAX_BUCKETS} buckets and ${MAX_USAGE_ROWS} rows. Only buckets with calls are returned, ordered by start, then group.`,
  })
  async usage(@Ctx() ctx: Context, @Args() { from, to, granularity, groupBy, account }: UsageArgs): Promise<UsageBucket[]> {
    const accountId = await usageAccountId(ctx, account, 'usage');
    const rows = await queryUsageBuckets(ctx.em, { accountId, from, to, granularity, groupBy });
    return rows.map((row) => UsageBucket.from(row, addBuckets(row.start, granularity, 1), accountId));
  }

  @FieldResolver()
  apiKey(@Root() bucket: UsageBucket, @Ctx() ctx: Context): Promise<ApiKeyType | null> {
    return loadApiKey(ctx, bucket.apiKeyId, bucket.accountId);
  }
}

@Resolver(() => UsageEventType)
export class UsageEventResolver {
  @Authorized()
  @Query(() => UsageEventConnection, { description: 'Individual model calls, newest first, optionally filtered.' })
  async usageEvents(@Ctx() ctx: Context, @Args() args: UsageEventsArgs): Promise<ConnectionShape<UsageEventType>> {
    const { filter } = args;
    const accountId = await usageAccountId(ctx, args.account, 'usageEvents');
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
      throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, 'first');
    }
    if (filter?.from && !isQueryableInstant(filter.from)) throw badInput(OUT_OF_SPAN, 'filter.from');
    if (filter?.to && !isQueryableInstant(filter.to)) throw badInput(OUT_OF_SPAN, 'filter.to');
    const after = args.after ? decodeCursor(args.after) : null;
    const apiKeyId = filter?.apiKey ? requireGlobalId(filter.apiKey, 'ApiKey', 'filter.apiKey') : null;
    const rows = await listUsageEvents(ctx.em, {
      accountId,
      filter: { from: filter?.from, to: filter?.to, model: filter?.model, provider: filter?.provider, status: filter?.status, apiKeyId },
      after,
      limit: args.first + 1,
    });
    const nodes = rows.slice(0, args.first).map(UsageEventType.from);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      nodes,
      pageInfo: Object.assign(new PageInfo(), {
        hasNextPage: rows.length > args.first,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      }),
    };
  }

  @FieldResolver()
  apiKey(@Root() event: UsageEventType, @Ctx() ctx: Context): Promise<ApiKeyType | null> {
    return loadApiKey(ctx, event.apiKeyId, event.accountId);
  }

  @FieldResolver(() => ModelPriceType, {
    nullable: true,
    description: 'The price version the call was costed with; null when it was never costed (refused before naming a catalogue model).',
  })
  async priceVersion(@Root() event: UsageEventType, @Ctx() ctx: Context): Promise<ModelPriceType | null> {
    if (!event.priceVersionId) return null;
    const version = await ctx.loaders.priceVersion.load(event.priceVersionId);
    return version ? ModelPriceType.from(version) : null;
  }
}

/**
 * The account a usage query is about. Naming one's own account is allowed (a client
 * may always pass `me.id`); naming another is FORBIDDEN for a user whether or not it
 * exists, so the answer reveals nothing. An admin may name any account that exists.
 */
async function usageAccountId(ctx: Context, account: string | null | undefined, action: string): Promise<string> {
  const viewer = ctx.viewer!.account;
  if (account == null) return viewer.id;
  const id = requireGlobalId(account, 'Account', 'account');
  if (id === viewer.id) return id;
  if (viewer.role !== Role.ADMIN) throw forbidden();
  if (!(await ctx.loaders.account.load(id))) throw badInput('No such account.', 'account');
  // An admin reading someone's usage records is an admin action (policy §4).
  await auditAdminRead(ctx, action, { type: 'Account', id });
  return id;
}

/** The key through the request's loader; only if it belongs to the account the usage row belongs to. */
async function loadApiKey(ctx: Context, apiKeyId: string | null, accountId: string | null): Promise<ApiKeyType | null> {
  if (!apiKeyId) return null;
  const key = await ctx.loaders.apiKey.load(apiKeyId);
  return key && key.account.id === accountId ? ApiKeyType.from(key) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EXACT_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque to clients: the microsecond instant and request id of the last row shown. */
function encodeCursor(event: UsageEventType): string {
  return Buffer.from(`u:${event.createdAtExact}/${event.requestId}`).toString('base64url');
}

function decodeCursor(cursor: string): UsageEventKeyset {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [createdAtExact = '', requestId = ''] = decoded.startsWith('u:') ? decoded.slice(2).split('/') : [];
  const millis = Date.parse(createdAtExact);
  // Date.parse rolls impossible dates over (Feb 30); the round trip catches them before SQL does.
  const valid = EXACT_INSTANT.test(createdAtExact) && UUID.test(requestId) && !Number.isNaN(millis) && new Date(millis).toISOString().slice(0, 23) === createdAtExact.slice(0, 23);
  if (!valid) throw badInput('Not a valid cursor.', 'after');
  return { createdAtExact, requestId };
}
