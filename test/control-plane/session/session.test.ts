import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../control-plane/modules/session/session.entity.js';
import { hashSessionToken } from '../../../control-plane/modules/session/session.service.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, ME, signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

const SESSIONS = `query { sessions { nodes { id current ip userAgent createdAt lastSeenAt expiresAt } } }`;
const REVOKE = `mutation($id: ID!) { sessionRevoke(id: $id) { session { id } userErrors { field code message } } }`;
const LOG_OUT = `mutation { logOut { loggedOut } }`;
const CHANGE = `mutation($input: PasswordChangeInput!) { passwordChange(input: $input) { account { username } userErrors { field code } } }`;

/** Runs SQL against the session row behind a client's cookie, to move it in time. */
async function updateSessionOf(client: GraphQLClient, changes: Partial<Pick<Session, 'lastSeenAt' | 'expiresAt'>>) {
  const em = cp.db.fork();
  const session = await em.findOneOrFail(Session, { tokenHash: hashSessionToken(client.cookie!.split('=')[1]!) });
  Object.assign(session, changes);
  await em.flush();
}

async function secondLogin(user: { username: string; password: string }, userAgent = 'second-device/1.0') {
  const other = cp.client({ 'user-agent': userAgent });
  await other.data(LOG_IN, { input: { login: user.username, password: user.password } });
  return other;
}

describe('sessions', () => {
  it('lists my active sessions with created, last seen, IP and user agent, marking the current one', async () => {
    const client = cp.client({ 'user-agent': 'first-device/1.0' });
    const user = await signUpAndLogIn(client);
    await secondLogin(user);
    const { sessions } = await client.data(SESSIONS);
    expect(sessions.nodes).toHaveLength(2);
    expect(sessions.nodes.map((s: { userAgent: string }) => s.userAgent).sort()).toEqual(['first-device/1.0', 'second-device/1.0']);
    expect(sessions.nodes.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(sessions.nodes[0]).toMatchObject({ ip: '127.0.0.1', createdAt: expect.any(String), lastSeenAt: expect.any(String) });
  });

  it('logOut invalidates the session on the server, not just the cookie', async () => {
    const client = cp.client();
    await signUpAndLogIn(client);
    const stolenCookie = client.cookie;
    const { logOut } = await client.data(LOG_OUT);
    expect(logOut.loggedOut).toBe(true);
    expect(client.cookie).toBeNull();
    const replay = cp.client();
    replay.cookie = stolenCookie;
    expect((await replay.data(ME)).me).toBeNull();
  });

  it('ends a session idle for longer than the idle timeout (30 min by default)', async () => {
    const client = cp.client();
    await signUpAndLogIn(client);
    await updateSessionOf(client, { lastSeenAt: new Date(Date.now() - 29 * 60_000) });
    expect((await client.data(ME)).me).not.toBeNull();
    await updateSessionOf(client, { lastSeenAt: new Date(Date.now() - 31 * 60_000) });
    expect((await client.data(ME)).me).toBeNull();
  });

  it('activity keeps a session alive: lastSeenAt moves forward', async () => {
    const client = cp.client();
    await signUpAndLogIn(client);
    await updateSessionOf(client, { lastSeenAt: new Date(Date.now() - 20 * 60_000) });
    await client.data(ME);
    const em = cp.db.fork();
    const session = await em.findOneOrFail(Session, { tokenHash: hashSessionToken(client.cookie!.split('=')[1]!) });
    expect(Date.now() - session.lastSeenAt.getTime()).toBeLessThan(60_000);
  });

  it('ends a session at its absolute timeout however active it is', async () => {
    const client = cp.client();
    await signUpAndLogIn(client);
    const em = cp.db.fork();
    const session = await em.findOneOrFail(Session, { tokenHash: hashSessionToken(client.cookie!.split('=')[1]!) });
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(12 * 60 * 60_000);
    await updateSessionOf(client, { expiresAt: new Date(Date.now() - 1000) });
    expect((await client.data(ME)).me).toBeNull();
    const denied = await client.request(SESSIONS);
    expect(denied.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('sessionRevoke ends another of my sessions at once', async () => {
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    const other = await secondLogin(user);
    const { sessions } = await client.data(SESSIONS);
    const target = sessions.nodes.find((s: { current: boolean }) => !s.current);
    const { sessionRevoke } = await client.data(REVOKE, { id: target.id });
    expect(sessionRevoke).toEqual({ session: { id: target.id }, userErrors: [] });
    expect((await other.data(ME)).me).toBeNull();
    expect((await client.data(ME)).me).not.toBeNull();
    expect((await client.data(SESSIONS)).sessions.nodes).toHaveLength(1);
  });

  it("cannot revoke another account's session: it is not found", async () => {
    const mallory = cp.client();
    await signUpAndLogIn(mallory);
    const victim = cp.client();
    await signUpAndLogIn(victim);
    const victimSession = (await victim.data(SESSIONS)).sessions.nodes[0].id;
    const { sessionRevoke } = await mallory.data(REVOKE, { id: victimSession });
    expect(sessionRevoke.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'No such active session.' }]);
    expect((await victim.data(ME)).me).not.toBeNull();
    expect((await mallory.data(`query($id: ID!) { node(id: $id) { id } }`, { id: victimSession })).node).toBeNull();
  });

  it('passwordChange ends every other session, keeps this one, and the new password works', async () => {
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    const other = await secondLogin(user);
    const newPassword = 'an entirely new passphrase';
    const { passwordChange } = await client.data(CHANGE, { input: { currentPassword: user.password, newPassword } });
    expect(passwordChange.userErrors).toEqual([]);
    expect((await other.data(ME)).me).toBeNull();
    expect((await client.data(ME)).me.username).toBe(user.username);
    const relogin = await cp.client().data(LOG_IN, { input: { login: user.username, password: newPassword } });
    expect(relogin.logIn.userErrors).toEqual([]);
    const old = await cp.client().data(LOG_IN, { input: { login: user.username, password: user.password } });
    expect(old.logIn.userErrors[0].code).toBe('INVALID_CREDENTIALS');
  });

  it('passwordChange refuses a wrong current password or a weak new one, changing nothing', async () => {
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    const other = await secondLogin(user);
    const wrong = await client.data(CHANGE, { input: { currentPassword: 'not it at all', newPassword: 'a fine new passphrase' } });
    expect(wrong.passwordChange.userErrors).toEqual([{ field: ['input', 'currentPassword'], code: 'INVALID_CREDENTIALS' }]);
    const weak = await client.data(CHANGE, { input: { currentPassword: user.password, newPassword: 'password' } });
    expect(weak.passwordChange.userErrors).toEqual([{ field: ['input', 'newPassword'], code: 'PASSWORD_TOO_COMMON' }]);
    expect((await other.data(ME)).me).not.toBeNull();
  });
});

describe('secure cookies', () => {
  it('uses the __Host- prefix and Secure when COOKIE_SECURE is set (TLS)', async () => {
    const secure = await startTestControlPlane({ COOKIE_SECURE: 'true' });
    try {
      const client = secure.client();
      await signUpAndLogIn(client);
      expect(client.cookie).toMatch(/^__Host-tb_session=/);
      const again = await fetch(`${secure.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOG_IN, variables: { input: { login: 'x', password: 'y' } } }),
      });
      expect(again.headers.getSetCookie()).toEqual([]);
      const login = await secure.client().request(`mutation { logOut { loggedOut } }`);
      expect(login.headers.getSetCookie()[0]).toMatch(/^__Host-tb_session=;.*Secure/i);
    } finally {
      await secure.stop();
    }
  });
});
