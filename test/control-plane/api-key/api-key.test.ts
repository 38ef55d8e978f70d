import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../control-plane/modules/api-key/api-key.entity.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { parseApiKey } from '../../../shared/api-key.js';
import { API_KEY_CREATE, API_KEY_REVOKE, API_KEY_ROTATE, createKey, MY_KEYS } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn } from '../../helpers/graphql-client.js';
import { TEST_API_KEY_PEPPER } from '../../helpers/test-env.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

async function loggedIn() {
  const client = cp.client();
  const user = await signUpAndLogIn(client);
  return { client, user };
}

describe('apiKeyCreate', () => {
  it('returns the secret once, in the documented format, and stores only its HMAC under the pepper', async () => {
    const { client } = await loggedIn();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { apiKeyCreate } = await client.data(API_KEY_CREATE, { input: { name: ' ci deploy ', allowedModels: ['gpt-4o-mini', 'gpt-4o'], expiresAt } });
    expect(apiKeyCreate.userErrors).toEqual([]);
    const secret: string = apiKeyCreate.secret;
    expect(secret).toMatch(/^tbk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    const keyId = parseApiKey(secret)!.keyId;
    expect(apiKeyCreate.apiKey).toMatchObject({
      name: 'ci deploy',
      displayPrefix: `tbk_${keyId}`,
      lastFour: secret.slice(-4),
      allowedModels: ['gpt-4o', 'gpt-4o-mini'],
      status: 'ACTIVE',
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    });
    const row = await cp.db.fork().findOneOrFail(ApiKey, { keyId });
    expect(row.secretHash).toBe(createHmac('sha256', TEST_API_KEY_PEPPER).update(secret).digest('hex'));
    const everything = JSON.stringify(await cp.db.fork().getConnection().execute('select * from api_key'));
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(17, 49));
    const listed = (await client.data(MY_KEYS)).me.apiKeys.nodes;
    expect(JSON.stringify(listed)).not.toContain(secret.slice(17, 49));
  });

  it('refuses a bad name, empty model list or past expiry with userErrors', async () => {
    const { client } = await loggedIn();
    const { apiKeyCreate } = await client.data(API_KEY_CREATE, {
      input: { name: '   ', allowedModels: [], expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(apiKeyCreate.apiKey).toBeNull();
    expect(apiKeyCreate.secret).toBeNull();
    expect(apiKeyCreate.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.name', 'input.allowedModels', 'input.expiresAt']);
  });

  it('requires a session', async () => {
    const result = await cp.client().request(API_KEY_CREATE, { input: { name: 'x' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('apiKeys on the viewer', () => {
  it('lists my keys newest first with their state; revoked ones only on request', async () => {
    const { client } = await loggedIn();
    const first = await createKey(client, { name: 'first' });
    await createKey(client, { name: 'second' });
    await client.data(API_KEY_REVOKE, { id: first.id });
    expect((await client.data(MY_KEYS)).me.apiKeys.nodes.map((k: { name: string }) => k.name)).toEqual(['second']);
    const all = (await client.data(MY_KEYS, { revoked: true })).me.apiKeys.nodes;
    expect(all.map((k: { name: string; status: string }) => [k.name, k.status])).toEqual([
      ['second', 'ACTIVE'],
      ['first', 'REVOKED'],
    ]);
  });

  it("a user sees and manages only their own keys: another's key is not found", async () => {
    const alice = await loggedIn();
    const bob = await loggedIn();
    const key = await createKey(alice.client);
    expect((await bob.client.data(MY_KEYS)).me.apiKeys.nodes).toEqual([]);
    expect((await bob.client.data(`query($id: ID!) { node(id: $id) { id } }`, { id: key.id })).node).toBeNull();
    for (const mutation of [API_KEY_REVOKE, API_KEY_ROTATE]) {
      const result = await bob.client.data(mutation, { id: key.id });
      const payload = Object.values(result)[0] as { userErrors: { code: string }[] };
      expect(payload.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND', message: 'No such API key.' }]);
    }
    const row = await cp.db.fork().findOneOrFail(ApiKey, { id: Buffer.from(key.id, 'base64url').toString().split(':')[1]! });
    expect(row.revokedAt).toBeNull();
  });

  it("an admin can revoke anyone's key and list their keys", async () => {
    const owner = await loggedIn();
    const key = await createKey(owner.client);
    const admin = await loggedIn();
    await promoteToAdmin(cp.db.fork(), admin.user.username);
    const { apiKeyRevoke } = await admin.client.data(API_KEY_REVOKE, { id: key.id });
    expect(apiKeyRevoke.apiKey.status).toBe('REVOKED');
    const listed = await admin.client.data(`query($id: ID!) { node(id: $id) { ... on Account { apiKeys(includeRevoked: true) { nodes { id status } } } } }`, {
      id: owner.user.id,
    });
    expect(listed.node.apiKeys.nodes).toEqual([{ id: key.id, status: 'REVOKED' }]);
    const events = (await owner.client.data(`query { securityEvents(first: 1) { nodes { type ip } } }`)).securityEvents.nodes;
    expect(events).toEqual([{ type: 'API_KEY_REVOKE', ip: null }]);
  });
});

describe('apiKeyRotate', () => {
  it('issues a new secret for the same key and keeps the old one valid only for the grace period', async () => {
    const { client } = await loggedIn();
    const key = await createKey(client);
    const { apiKeyRotate } = await client.data(API_KEY_ROTATE, { id: key.id, grace: 3600 });
    expect(apiKeyRotate.userErrors).toEqual([]);
    const secret: string = apiKeyRotate.secret;
    expect(secret).not.toBe(key.secret);
    expect(parseApiKey(secret)!.keyId).toBe(parseApiKey(key.secret)!.keyId);
    expect(apiKeyRotate.apiKey.id).toBe(key.id);
    expect(apiKeyRotate.apiKey.lastFour).toBe(secret.slice(-4));
    const until = Date.parse(apiKeyRotate.apiKey.previousSecretValidUntil);
    expect(until - Date.now()).toBeGreaterThan(3590_000);
    expect(until - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it('refuses a grace period outside 0–7 days and a revoked key', async () => {
    const { client } = await loggedIn();
    const key = await createKey(client);
    const tooLong = await client.data(API_KEY_ROTATE, { id: key.id, grace: 8 * 24 * 3600 });
    expect(tooLong.apiKeyRotate.userErrors[0]).toMatchObject({ field: ['gracePeriod'], code: 'INVALID' });
    await client.data(API_KEY_REVOKE, { id: key.id });
    const revoked = await client.data(API_KEY_ROTATE, { id: key.id });
    expect(revoked.apiKeyRotate.userErrors[0]).toMatchObject({ code: 'REVOKED' });
  });
});
