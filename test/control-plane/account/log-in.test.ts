import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { Session } from '../../../control-plane/modules/session/session.entity.js';
import { hashSessionToken } from '../../../control-plane/modules/session/session.service.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, ME, newUser, SIGN_UP, type GraphQLClient } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
beforeAll(async () => {
  // Throttle limits low enough to reach in a test; per-IP higher than per-login.
  cp = await startTestControlPlane({ LOGIN_MAX_FAILURES_PER_LOGIN: '3', LOGIN_MAX_FAILURES_PER_IP: '8', TRUST_PROXY: 'true' });
});
afterAll(() => cp?.stop());

async function registered() {
  const user = newUser();
  await cp.client().data(SIGN_UP, { input: user });
  return user;
}

async function logIn(client: GraphQLClient, login: string, password: string) {
  const result = await client.request(LOG_IN, { input: { login, password } });
  return { ...result, payload: result.data!.logIn as { account: { username: string } | null; userErrors: { code: string; message: string }[] } };
}

describe('logIn', () => {
  it('logs in by username or by email (any case) and sets the session cookie', async () => {
    const user = await registered();
    for (const login of [user.username, user.email.toUpperCase()]) {
      const client = cp.client();
      const { payload } = await logIn(client, login, user.password);
      expect(payload.userErrors).toEqual([]);
      expect(payload.account?.username).toBe(user.username);
      expect((await client.data(ME)).me.username).toBe(user.username);
    }
  });

  it('sets an HttpOnly, SameSite=Lax session cookie as the only cookie', async () => {
    const user = await registered();
    const { headers } = await logIn(cp.client(), user.username, user.password);
    const cookies = headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^tb_session=[A-Za-z0-9_-]{43};/);
    expect(cookies[0]).toMatch(/; HttpOnly/i);
    expect(cookies[0]).toMatch(/; SameSite=Lax/i);
    expect(cookies[0]).toMatch(/; Path=\//i);
  });

  it('stores only a hash of the session token, and issues a new token at every login', async () => {
    const user = await registered();
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = cp.client();
      await logIn(client, user.username, user.password);
      tokens.push(client.cookie!.split('=')[1]!);
    }
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(Buffer.from(tokens[0]!, 'base64url')).toHaveLength(32);
    const em = cp.db.fork();
    for (const token of tokens) {
      expect(await em.count(Session, { tokenHash: hashSessionToken(token) })).toBe(1);
      const rows = await em.getConnection().execute('select * from session');
      expect(JSON.stringify(rows)).not.toContain(token);
    }
  });

  it('refuses a wrong password and an unknown account with the same error, setting no cookie', async () => {
    const user = await registered();
    const wrong = await logIn(cp.client(), user.username, 'not the password');
    const unknown = await logIn(cp.client(), `nobody_${user.username}`, 'not the password');
    expect(wrong.payload).toEqual({ account: null, userErrors: [{ field: null, code: 'INVALID_CREDENTIALS', message: 'Wrong login or password.' }] });
    expect(unknown.payload).toEqual(wrong.payload);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('throttles a login after repeated failures, even with the right password, without revealing whether it exists', async () => {
    const user = await registered();
    const ghost = `ghost_${user.username}`;
    const ip = { 'x-forwarded-for': '203.0.113.7' };
    for (const login of [user.username, ghost]) {
      for (let i = 0; i < 3; i++) {
        expect((await logIn(cp.client(ip), login, 'wrong password')).payload.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
      }
    }
    const existing = await logIn(cp.client({ 'x-forwarded-for': '203.0.113.8' }), user.username, user.password);
    const missing = await logIn(cp.client({ 'x-forwarded-for': '203.0.113.8' }), ghost, user.password);
    expect(existing.payload.userErrors).toEqual([{ field: null, code: 'TOO_MANY_ATTEMPTS', message: 'Too many failed login attempts. Try again later.' }]);
    expect(missing.payload).toEqual(existing.payload);
    expect(existing.headers.getSetCookie()).toEqual([]);
  });

  it('throttles an IP that fails across many logins', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.23' };
    for (let i = 0; i < 8; i++) await logIn(cp.client(ip), `spray_${i}_${Date.now()}`, 'wrong password');
    const user = await registered();
    expect((await logIn(cp.client(ip), user.username, user.password)).payload.userErrors[0]?.code).toBe('TOO_MANY_ATTEMPTS');
    expect((await logIn(cp.client({ 'x-forwarded-for': '198.51.100.24' }), user.username, user.password)).payload.userErrors).toEqual([]);
  });

  it('rehashes a password stored with weaker argon2 parameters at the next login', async () => {
    const user = await registered();
    const em = cp.db.fork();
    const account = await em.findOneOrFail(Account, { usernameCanonical: user.username.toLowerCase() });
    account.passwordHash = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await em.flush();
    expect((await logIn(cp.client(), user.username, user.password)).payload.userErrors).toEqual([]);
    const after = await cp.db.fork().findOneOrFail(Account, { id: account.id });
    expect(after.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await argon2.verify(after.passwordHash, user.password)).toBe(true);
  });
});
