import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { ME, newUser, SIGN_UP, signUpAndLogIn } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

const ACCOUNTS = `query($query: String) { accounts(first: 10, query: $query) { nodes { username role } } }`;

function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(`${url}/graphql`, { method: 'POST', headers, body });
}

describe('GraphQL endpoint', () => {
  it('rejects a text/plain POST (CSRF prevention) without running it', async () => {
    const user = newUser();
    const response = await post(cp.url, JSON.stringify({ query: SIGN_UP, variables: { input: user } }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
    const check = await cp.client().data(SIGN_UP, { input: user });
    expect(check.signUp.userErrors).toEqual([]);
  });

  it('answers malformed JSON with a 400 GraphQL error', async () => {
    const response = await post(cp.url, '{"query": ', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const response = await post(cp.url, JSON.stringify({ query: `query { me { id } } #${'x'.repeat(1024 * 1024)}` }), { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
  });

  it('returns a request id header on every response', async () => {
    const response = await post(cp.url, JSON.stringify({ query: ME }), { 'content-type': 'application/json' });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  });

  it('me is null when not logged in', async () => {
    const result = await cp.client().request(ME);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ me: null });
  });

  it('a protected operation without a session is UNAUTHENTICATED', async () => {
    for (const query of [`query { sessions { nodes { id } } }`, `query { securityEvents { nodes { id } } }`, ACCOUNTS]) {
      const result = await cp.client().request(query);
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a USER calling an ADMIN operation is FORBIDDEN; an ADMIN may call it', async () => {
    const user = cp.client();
    await signUpAndLogIn(user);
    const denied = await user.request(ACCOUNTS);
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]).toMatchObject({ message: 'You are not allowed to do this.', extensions: { code: 'FORBIDDEN' } });

    const admin = cp.client();
    const adminUser = await signUpAndLogIn(admin);
    expect(await promoteToAdmin(cp.db.fork(), adminUser.email)).toBe('PROMOTED');
    const { accounts } = await admin.data(ACCOUNTS, { query: adminUser.username.slice(0, 12) });
    expect(accounts.nodes).toContainEqual({ username: adminUser.username, role: 'ADMIN' });
  });

  it('global ids are opaque and a malformed one is simply not found', async () => {
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    expect(Buffer.from(user.id, 'base64url').toString()).toMatch(/^Account:/);
    expect((await client.data(`query($id: ID!) { node(id: $id) { id ... on Account { username } } }`, { id: user.id })).node).toEqual({ id: user.id, username: user.username });
    expect((await client.data(`query { node(id: "garbage") { id } }`)).node).toBeNull();
  });
});

describe('error masking', () => {
  it('turns an unexpected failure into "Unexpected error." with a request id, details only in development', async () => {
    for (const env of ['production', 'development'] as const) {
      const lines: string[] = [];
      const logger = createLogger({ level: 'error', name: 'test', destination: { write: (line: string) => lines.push(line) } });
      const broken = await startTestControlPlane({ NODE_ENV: env }, logger);
      // The schema breaks under a running server: every account query now fails in SQL.
      await broken.db.fork().getConnection().execute('drop table account cascade');
      try {
        const result = await broken.client().request(SIGN_UP, { input: newUser() });
        const error = result.errors?.[0];
        expect(error?.message).toBe('Unexpected error.');
        expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
        expect(error?.extensions?.requestId).toBe(result.headers.get('x-request-id'));
        if (env === 'production') expect(error?.extensions).not.toHaveProperty('details');
        else expect(error?.extensions?.details).toEqual(expect.any(String));
        expect(lines.join('\n')).toContain(String(error?.extensions?.requestId));
      } finally {
        await broken.stop().catch(() => undefined);
      }
    }
  });
});

describe('introspection', () => {
  const INTROSPECT = `query { __schema { queryType { name } } }`;

  it('is on in development and off in production unless configured', async () => {
    for (const [env, expected] of [
      [{ NODE_ENV: 'development' }, true],
      [{ NODE_ENV: 'production' }, false],
      [{ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }, true],
    ] as const) {
      const server = await startTestControlPlane(env);
      try {
        const result = await server.client().request(INTROSPECT);
        expect(result.errors === undefined).toBe(expected);
      } finally {
        await server.stop();
      }
    }
  });
});
