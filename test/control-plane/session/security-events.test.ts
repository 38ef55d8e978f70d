import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, signUpAndLogIn } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane({ TRUST_PROXY: 'true' });
});
afterAll(() => cp?.stop());

const EVENTS = `query { securityEvents(first: 50) { nodes { id type createdAt ip userAgent } } }`;

describe('security events', () => {
  it('records sign-up, login success and failure, password change, session revoke and logout with time, IP and user agent', async () => {
    const device = { 'user-agent': 'tb-test-agent/2.0', 'x-forwarded-for': '192.0.2.44' };
    const client = cp.client(device);
    const user = await signUpAndLogIn(client);
    await cp.client(device).data(LOG_IN, { input: { login: user.username, password: 'wrong password!' } });
    const other = cp.client(device);
    await other.data(LOG_IN, { input: { login: user.username, password: user.password } });
    const { sessions } = await client.data(`query { sessions { nodes { id current } } }`);
    await client.data(`mutation($id: ID!) { sessionRevoke(id: $id) { userErrors { code } } }`, {
      id: sessions.nodes.find((s: { current: boolean }) => !s.current).id,
    });
    await client.data(`mutation($input: PasswordChangeInput!) { passwordChange(input: $input) { userErrors { code } } }`, {
      input: { currentPassword: user.password, newPassword: 'another fine passphrase' },
    });
    const before = await client.data(EVENTS);
    await client.data(`mutation { logOut { loggedOut } }`);
    const watcher = cp.client(device);
    await watcher.data(LOG_IN, { input: { login: user.username, password: 'another fine passphrase' } });
    const { securityEvents } = await watcher.data(EVENTS);

    const types = securityEvents.nodes.map((e: { type: string }) => e.type).reverse();
    expect(types).toEqual(['SIGN_UP', 'LOGIN_SUCCESS', 'LOGIN_FAILURE', 'LOGIN_SUCCESS', 'SESSION_REVOKE', 'PASSWORD_CHANGE', 'LOGOUT', 'LOGIN_SUCCESS']);
    for (const event of securityEvents.nodes) {
      expect(event).toMatchObject({ ip: '192.0.2.44', userAgent: 'tb-test-agent/2.0' });
      expect(Date.now() - Date.parse(event.createdAt)).toBeLessThan(60_000);
    }
    expect(before.securityEvents.nodes).toHaveLength(6);
  });

  it("shows me only my own events, and another account's event ids resolve to nothing", async () => {
    const alice = cp.client();
    await signUpAndLogIn(alice);
    const bob = cp.client();
    await signUpAndLogIn(bob);
    const aliceEvents = (await alice.data(EVENTS)).securityEvents.nodes;
    const bobEvents = (await bob.data(EVENTS)).securityEvents.nodes;
    expect(aliceEvents).toHaveLength(2);
    expect(bobEvents.map((e: { id: string }) => e.id)).not.toContain(aliceEvents[0].id);
    expect((await bob.data(`query($id: ID!) { node(id: $id) { id } }`, { id: aliceEvents[0].id })).node).toBeNull();
    expect((await alice.data(`query($id: ID!) { node(id: $id) { id ... on SecurityEvent { type } } }`, { id: aliceEvents[0].id })).node).toEqual({
      id: aliceEvents[0].id,
      type: aliceEvents[0].type,
    });
  });

  it('pages through events with first/after cursors', async () => {
    const client = cp.client();
    await signUpAndLogIn(client);
    for (let i = 0; i < 3; i++) await client.data(LOG_IN, { input: { login: 'nobody-here', password: 'whatever it is' } });
    const page = `query($after: String) { securityEvents(first: 1, after: $after) { nodes { type } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const first = (await client.data(page)).securityEvents;
    expect(first.nodes).toEqual([{ type: 'LOGIN_SUCCESS' }]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = (await client.data(page, { after: first.pageInfo.endCursor })).securityEvents;
    expect(second.nodes).toEqual([{ type: 'SIGN_UP' }]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const tooMany = await client.request(`query { securityEvents(first: 101) { nodes { type } } }`);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
