import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { D, dollars, insertRows, newParty, otherRows, sampleRows, somePriceVersionId, thisMonth, useSessionTimeZone, type Party, type UsageRow } from './fixture.js';

const EVENT_FIELDS = `requestId createdAt provider model apiKey { id } inputTokens cachedInputTokens cacheWriteTokens cacheWrite1hTokens outputTokens reasoningTokens
  cost { amount currency } priceVersion { id } usageEstimated status httpStatus latencyMs ttftMs clientIp userAgent`;
const EVENTS = `query($first: Int, $after: String, $filter: UsageEventFilter, $account: ID) {
  usageEvents(first: $first, after: $after, filter: $filter, account: $account) {
    edges { cursor node { id ${EVENT_FIELDS} } } nodes { requestId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on UsageEvent { ${EVENT_FIELDS} } } }`;

let cp: TestControlPlane;
let t: Date;
let alice: Party;
let bob: Party;
let aliceRows: UsageRow[];
let bobRows: UsageRow[];

beforeAll(async () => {
  cp = await startTestControlPlane();
  await useSessionTimeZone(cp, 'Pacific/Chatham');
  t = thisMonth();
  alice = await newParty(cp, ['alpha', 'beta']);
  bob = await newParty(cp, ['bob key']);
  aliceRows = sampleRows(t, alice, await somePriceVersionId(cp));
  bobRows = otherRows(t, bob);
  await insertRows(cp, [...aliceRows, ...bobRows]);
});
afterAll(() => cp?.stop());

/** The instant in microseconds: two rows share a millisecond and two a microsecond. */
function micros(row: UsageRow): number {
  return new Date(row.createdAt).getTime() * 1000 + Number(/\.\d{3}(\d{3})Z$/.exec(row.createdAt)?.[1] ?? 0);
}

/** Newest first; within one microsecond by request id, descending. */
function newestFirst(rows: UsageRow[]): UsageRow[] {
  return [...rows].sort((a, b) => micros(b) - micros(a) || (a.requestId < b.requestId ? 1 : -1));
}

function asEvent(row: UsageRow) {
  return {
    requestId: row.requestId,
    createdAt: new Date(row.createdAt).toISOString(),
    provider: row.provider,
    model: row.model,
    apiKey: row.apiKey ? { id: row.apiKey } : null,
    inputTokens: row.inputTokens,
    cachedInputTokens: row.cachedInputTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheWrite1hTokens: row.cacheWrite1hTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cost: { amount: dollars(BigInt(row.costPicoUsd)), currency: 'USD' },
    priceVersion: row.priceVersionId ? { id: Buffer.from(`ModelPrice:${row.priceVersionId}`).toString('base64url') } : null,
    usageEstimated: row.usageEstimated,
    status: row.status,
    httpStatus: row.httpStatus,
    latencyMs: row.latencyMs,
    ttftMs: row.ttftMs,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
  };
}

type Page = { edges: { cursor: string; node: { id: string } & ReturnType<typeof asEvent> }[]; pageInfo: Record<string, unknown> };

async function everyPage(party: Party, first: number, variables: Record<string, unknown> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    const page: Page = (await party.client.data(EVENTS, { ...variables, first, after })).usageEvents;
    pages.push(page);
    after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor as string) : null;
  } while (after && pages.length < 100);
  return pages;
}

const nodesOf = (pages: Page[]) => pages.flatMap((p) => p.edges.map((e) => e.node));
const withoutId = ({ id: _id, ...rest }: { id: string } & ReturnType<typeof asEvent>) => rest;

describe('usageEvents', () => {
  it('pages through every event exactly once, newest first, whatever the page size', async () => {
    const expected = newestFirst(aliceRows).map(asEvent);
    for (const first of [1, 3, 100]) {
      const pages = await everyPage(alice, first);
      expect(nodesOf(pages).map(withoutId)).toEqual(expected);
      expect(pages).toHaveLength(Math.ceil(expected.length / first));
      pages.forEach((page, i) => {
        expect(page.pageInfo).toMatchObject({ hasPreviousPage: i > 0, hasNextPage: i < pages.length - 1, endCursor: page.edges.at(-1)!.cursor });
      });
    }
    expect(new Set(nodesOf(await everyPage(alice, 100)).map((n) => n.id)).size).toBe(aliceRows.length);
  });

  it('each filter narrows to exactly the matching events', async () => {
    const [alpha, beta] = alice.keys;
    const at = (r: UsageRow) => new Date(r.createdAt).getTime();
    const cases: [Record<string, unknown>, (r: UsageRow) => boolean][] = [
      [{ from: t.toISOString() }, (r) => at(r) >= t.getTime()],
      [{ to: t.toISOString() }, (r) => at(r) < t.getTime()],
      [{ from: t.toISOString(), to: new Date(t.getTime() + 2 * D).toISOString() }, (r) => at(r) >= t.getTime() && at(r) < t.getTime() + 2 * D],
      [{ model: 'gpt-4o' }, (r) => r.model === 'gpt-4o'],
      [{ provider: 'anthropic' }, (r) => r.provider === 'anthropic'],
      [{ apiKey: beta!.id }, (r) => r.apiKeyId === beta!.dbId],
      [{ status: 'CLIENT_ABORT' }, (r) => r.status === 'CLIENT_ABORT'],
      [{ provider: 'openai', apiKey: alpha!.id, from: t.toISOString() }, (r) => r.provider === 'openai' && r.apiKeyId === alpha!.dbId && at(r) >= t.getTime()],
    ];
    for (const [filter, matches] of cases) {
      const expected = newestFirst(aliceRows.filter(matches)).map(asEvent);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(nodesOf(await everyPage(alice, 2, { filter })).map(withoutId), JSON.stringify(filter)).toEqual(expected);
    }
  });

  it("a user never sees another account's events, not even by filtering on its key", async () => {
    const seen = nodesOf(await everyPage(alice, 100)).map((n) => n.requestId);
    expect(seen.filter((id) => bobRows.some((r) => r.requestId === id))).toEqual([]);
    expect(nodesOf(await everyPage(alice, 100, { filter: { apiKey: bob.keys[0]!.id } }))).toEqual([]);
    const named = await alice.client.request(EVENTS, { first: 10, account: bob.id });
    expect(named.data).toBeNull();
    expect(named.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("an admin lists any account's events", async () => {
    const admin = await newParty(cp);
    await promoteToAdmin(cp.db.fork(), admin.username);
    expect(nodesOf(await everyPage(admin, 5, { account: bob.id })).map(withoutId)).toEqual(newestFirst(bobRows).map(asEvent));
    expect(nodesOf(await everyPage(admin, 5))).toEqual([]);
  });

  it('refuses a page size outside 1–100, a malformed or forged cursor, a malformed key id and an instant before 1970', async () => {
    const forged = Buffer.from(`u:2026-02-30T00:00:00.000000Z/${aliceRows[0]!.requestId}`).toString('base64url');
    for (const [variables, argument] of [
      [{ first: 0 }, 'first'],
      [{ first: 101 }, 'first'],
      [{ first: 10, after: 'garbage' }, 'after'],
      [{ first: 10, after: forged }, 'after'],
      [{ first: 10, filter: { apiKey: alice.id } }, 'filter.apiKey'],
      [{ first: 10, filter: { from: '1969-12-31T23:59:59Z' } }, 'filter.from'],
    ] as const) {
      const result = await alice.client.request(EVENTS, variables);
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });
});

describe('node(id) for a UsageEvent', () => {
  it("returns my own event, null for another account's, and any event to an admin", async () => {
    const [mine] = (await alice.client.data(EVENTS, { first: 1 })).usageEvents.edges;
    const [theirs] = (await bob.client.data(EVENTS, { first: 1 })).usageEvents.edges;
    expect((await alice.client.data(NODE, { id: mine.node.id })).node).toEqual(mine.node);
    expect((await alice.client.data(NODE, { id: theirs.node.id })).node).toBeNull();
    expect((await bob.client.data(NODE, { id: mine.node.id })).node).toBeNull();
    const admin = await newParty(cp);
    await promoteToAdmin(cp.db.fork(), admin.username);
    expect((await admin.client.data(NODE, { id: theirs.node.id })).node).toEqual(theirs.node);
  });
});
