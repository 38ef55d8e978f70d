import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import type { ResolverData } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../../control-plane/graphql/context.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { auditAdminMutations } from '../../../control-plane/modules/audit/audit.middleware.js';
import { auditAdminAction, scrub } from '../../../control-plane/modules/audit/audit.js';
import { Session } from '../../../control-plane/modules/session/session.entity.js';
import { createLogger } from '../../../shared/logger.js';
import { API_KEY_REVOKE, createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

const ENTRY = 'id action admin { id username } adminUsername targetType targetId details createdAt ip userAgent';
const AUDIT_LOG = `query($first: Int, $after: String, $filter: AdminAuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) { nodes { ${ENTRY} } pageInfo { hasNextPage endCursor } } }`;
const ADMIN_AGENT = 'AdminConsole/2.1 (audit test)';
const ADMIN_IP = '203.0.113.77';

let cp: TestControlPlane;
let admin: GraphQLClient;
let adminUser: Awaited<ReturnType<typeof signUpAndLogIn>>;
let alice: GraphQLClient;
let aliceUser: Awaited<ReturnType<typeof signUpAndLogIn>>;

beforeAll(async () => {
  // Behind a proxy TokenByte trusts, the admin's address is the one the proxy saw.
  cp = await startTestControlPlane({ TRUST_PROXY: 'true' });
  admin = cp.client({ 'user-agent': ADMIN_AGENT, 'x-forwarded-for': ADMIN_IP });
  adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(cp.db.fork(), adminUser.username);
  alice = cp.client();
  aliceUser = await signUpAndLogIn(alice);
});
afterAll(() => cp?.stop());

async function entries(filter: Record<string, unknown>) {
  return (await admin.data(AUDIT_LOG, { first: 100, filter })).auditLog.nodes;
}

describe('the admin audit log', () => {
  it('§4 "Role-based access controls" — an admin revoking another account\'s API key is written to the audit log with who, what, when and from where', async () => {
    const key = await createKey(alice, { name: 'alice key' });
    const before = Date.now();
    const { apiKeyRevoke } = await admin.data(API_KEY_REVOKE, { id: key.id });
    expect(apiKeyRevoke.userErrors).toEqual([]);

    const [entry, ...others] = await entries({ action: 'apiKeyRevoke' });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      action: 'apiKeyRevoke',
      admin: { id: adminUser.id, username: adminUser.username },
      adminUsername: adminUser.username,
      targetType: 'ApiKey',
      targetId: key.id,
      details: { owner: aliceUser.id, alreadyRevoked: false },
      ip: ADMIN_IP,
      userAgent: ADMIN_AGENT,
    });
    expect(Date.parse(entry.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(entry)).not.toContain(key.secret);
    // Found by what it was done to, too.
    expect((await entries({ target: key.id })).map((e: { id: string }) => e.id)).toEqual([entry.id]);
  });

  it('does not count an account owner revoking their own key as an admin action', async () => {
    const key = await createKey(alice, { name: 'own key' });
    await alice.data(API_KEY_REVOKE, { id: key.id });
    expect(await entries({ target: key.id })).toEqual([]);
  });

  it('§4 "Role-based access controls" — a user can read neither the audit log nor an entry of it', async () => {
    const denied = await alice.request(AUDIT_LOG, { first: 10 });
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [entry] = await entries({});
    expect((await alice.data(`query($id: ID!) { node(id: $id) { id } }`, { id: entry.id })).node).toBeNull();
    expect((await admin.data(`query($id: ID!) { node(id: $id) { id ... on AdminAuditEntry { action } } }`, { id: entry.id })).node.id).toBe(entry.id);
  });

  it('records admin reads of other accounts\' data: the account search with what it showed, another account\'s usage, another account by id', async () => {
    const prefix = aliceUser.username.slice(0, 14);
    const { accounts } = await admin.data(`query($q: String) { accounts(first: 5, query: $q) { nodes { id } } }`, { q: prefix });
    expect(accounts.nodes).toEqual([{ id: aliceUser.id }]);
    const [search] = await entries({ action: 'accounts' });
    expect(search).toMatchObject({ adminUsername: adminUser.username, targetId: null, details: { query: prefix, accounts: [aliceUser.id] }, ip: ADMIN_IP });

    const from = new Date(Date.now() - 86_400_000).toISOString();
    await admin.data(`query($a: ID) { usage(from: "${from}", to: "${new Date().toISOString()}", granularity: DAY, account: $a) { requests } }`, { a: aliceUser.id });
    await admin.data(`query($id: ID!) { node(id: $id) { id } }`, { id: aliceUser.id });
    expect((await entries({ target: aliceUser.id })).map((e: { action: string }) => e.action).sort()).toEqual(['node', 'usage']);

    // An admin's own data is no one else's: reading it is not audited.
    const count = (await entries({ admin: adminUser.id })).length;
    await admin.data(`query($id: ID!) { node(id: $id) { id } }`, { id: adminUser.id });
    await admin.data(`query { usage(from: "${from}", to: "${new Date().toISOString()}", granularity: DAY) { requests } }`);
    expect(await entries({ admin: adminUser.id })).toHaveLength(count);
  });

  it('keeps who did it after the admin\'s account is deleted: the reference empties, the username stays', async () => {
    const other = cp.client({ 'user-agent': 'Second admin' });
    const otherUser = await signUpAndLogIn(other);
    await promoteToAdmin(cp.db.fork(), otherUser.username);
    await other.data(`query { accounts(first: 1) { nodes { id } } }`);
    await cp.db.fork().getConnection().execute(`delete from account where id = ?`, [Buffer.from(otherUser.id, 'base64url').toString().split(':')[1]]);
    const mine = (await entries({ action: 'accounts' })).filter((e: { userAgent: string }) => e.userAgent === 'Second admin');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ admin: null, adminUsername: otherUser.username });
  });

  it('pages newest first and filters by time', async () => {
    const all = await entries({});
    const first = await admin.data(AUDIT_LOG, { first: 2 });
    expect(first.auditLog.nodes.map((e: { id: string }) => e.id)).toEqual(all.slice(0, 2).map((e: { id: string }) => e.id));
    const next = await admin.data(AUDIT_LOG, { first: 2, after: first.auditLog.pageInfo.endCursor });
    expect(next.auditLog.nodes.map((e: { id: string }) => e.id)).toEqual(all.slice(2, 4).map((e: { id: string }) => e.id));
    expect(await entries({ to: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect(await entries({ from: '2000-01-01T00:00:00Z' })).toHaveLength(all.length);
  });
});

describe('the audit safety net', () => {
  const mutation = new GraphQLObjectType({ name: 'Mutation', fields: { thingDo: { type: GraphQLString } } });
  const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { x: { type: GraphQLString } } }), mutation });

  async function runAsAdmin(field: string, result: unknown, audited: boolean) {
    const em = cp.db.fork();
    const [session] = await em.find(Session, { account: { username: adminUser.username } }, { populate: ['account'], limit: 1 });
    const context = { em, viewer: session, meta: { ip: '192.0.2.1', userAgent: 'net' }, logger: createLogger({ level: 'silent', name: 'test' }) } as unknown as Context;
    if (audited) auditAdminAction(context, field);
    const data = { info: { parentType: mutation, schema, fieldName: field }, context } as unknown as ResolverData<Context>;
    return auditAdminMutations(new Set([field]))(data, () => Promise.resolve(result));
  }

  it('§4 "Role-based access controls" — an admins-only mutation that forgot to write its entry still leaves one (and one only when it succeeded)', async () => {
    await runAsAdmin('thingDo', { userErrors: [] }, false);
    await runAsAdmin('thingDo', { userErrors: [{ code: 'INVALID' }] }, false);
    const [entry, ...rest] = await entries({ action: 'thingDo' });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ adminUsername: adminUser.username, ip: '192.0.2.1', userAgent: 'net', targetId: null });
    // A mutation that audited itself gets no second, generic entry.
    await runAsAdmin('thingDone', { userErrors: [] }, true);
    expect(await entries({ action: 'thingDone' })).toEqual([]);
  });

  it('keeps secrets out of the details', () => {
    expect(scrub({ password: 'p', newPassword: 'q', secret: 's', tokenHash: 'h', apiKeyPepper: 'x', reason: 'abuse', nested: { sessionToken: 't', ok: 1 } })).toEqual({
      reason: 'abuse',
      nested: { ok: 1 },
    });
  });
});
