import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyCache, type KeyCache } from '../../../data-plane/auth/key-cache.js';
import { generateApiKey } from '../../../shared/api-key.js';
import { createLogger } from '../../../shared/logger.js';
import type { SqlClient } from '../../../shared/sql.js';
import { API_KEY_CREATE, API_KEY_REVOKE, API_KEY_ROTATE, createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { TEST_API_KEY_PEPPER } from '../../helpers/test-env.js';

const logger = createLogger({ level: 'silent', name: 'test' });
let cp: TestControlPlane;
let client: GraphQLClient;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  cp = await startTestControlPlane();
  client = cp.client();
  await signUpAndLogIn(client);
});
afterAll(async () => {
  for (const c of opened.reverse()) await c.close();
  await cp?.stop();
});

/** A key cache as one data-plane instance has it: its own database connection and LISTEN. */
async function instance(overrides: { ttlMs?: number; negativeTtlMs?: number; now?: () => number } = {}) {
  const sql = cp.sqlClient();
  let queries = 0;
  const counted: SqlClient = { ...sql, query: (text, params) => (queries++, sql.query(text, params)) };
  const cache: KeyCache = createKeyCache({
    sql: counted,
    pepper: Buffer.from(TEST_API_KEY_PEPPER),
    logger,
    ttlMs: overrides.ttlMs ?? 60_000,
    negativeTtlMs: overrides.negativeTtlMs ?? 60_000,
    now: overrides.now,
  });
  await cache.start();
  opened.push({ close: () => cache.close() }, sql);
  return { cache, queries: () => queries };
}

/** Polls until `check` holds; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('key cache', () => {
  it('authenticates a warm key from memory: no database round trip after the first', async () => {
    const { cache, queries } = await instance();
    const key = await createKey(client, { allowedModels: ['gpt-4o-mini'] });
    const first = await cache.authenticate(key.secret);
    expect(first).toMatchObject({ allowedModels: ['gpt-4o-mini'], keyId: key.secret.slice(4, 16) });
    const before = queries();
    for (let i = 0; i < 50; i++) expect(await cache.authenticate(key.secret)).not.toBeNull();
    expect(queries()).toBe(before);
  });

  it('rejects a malformed or mistyped key without touching the database', async () => {
    const { cache, queries } = await instance();
    const key = await createKey(client);
    const typo = key.secret.slice(0, 20) + (key.secret[20] === 'a' ? 'b' : 'a') + key.secret.slice(21);
    for (const bad of ['', 'sk-abc', typo, `${key.secret}x`]) expect(await cache.authenticate(bad)).toBeNull();
    expect(queries()).toBe(0);
  });

  it('caches an unknown key negatively, yet accepts it as soon as it is created', async () => {
    const { cache, queries } = await instance();
    const forged = generateApiKey().key;
    expect(await cache.authenticate(forged)).toBeNull();
    expect(await cache.authenticate(forged)).toBeNull();
    expect(queries()).toBe(1);
    const key = await createKey(client);
    const keyId = key.secret.slice(4, 16);
    expect(await cache.authenticate(generateApiKey(keyId).key)).toBeNull(); // right id, wrong secret
    await within(1000, async () => (await cache.authenticate(key.secret)) !== null);
  });

  it('refuses a revoked key on every running instance within 1 second', async () => {
    const a = await instance();
    const b = await instance();
    const key = await createKey(client);
    expect(await a.cache.authenticate(key.secret)).not.toBeNull();
    expect(await b.cache.authenticate(key.secret)).not.toBeNull();
    await client.data(API_KEY_REVOKE, { id: key.id });
    // Both instances, polled side by side from the moment the revocation committed.
    await Promise.all([a, b].map((i) => within(1000, async () => (await i.cache.authenticate(key.secret)) === null)));
  });

  it('after rotation accepts the new secret at once and the old one only during the grace period', async () => {
    const a = await instance();
    const graceful = await createKey(client);
    expect(await a.cache.authenticate(graceful.secret)).not.toBeNull();
    const rotated = (await client.data(API_KEY_ROTATE, { id: graceful.id, grace: 3600 })).apiKeyRotate.secret;
    await within(1000, async () => (await a.cache.authenticate(rotated)) !== null);
    expect(await a.cache.authenticate(graceful.secret)).not.toBeNull();

    const abrupt = await createKey(client);
    expect(await a.cache.authenticate(abrupt.secret)).not.toBeNull();
    await client.data(API_KEY_ROTATE, { id: abrupt.id });
    await within(1000, async () => (await a.cache.authenticate(abrupt.secret)) === null);
  });

  it('refuses an expired key without any notification', async () => {
    const { cache } = await instance();
    const { apiKeyCreate } = await client.data(API_KEY_CREATE, { input: { name: 'short-lived', expiresAt: new Date(Date.now() + 1500).toISOString() } });
    expect(await cache.authenticate(apiKeyCreate.secret)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1600));
    expect(await cache.authenticate(apiKeyCreate.secret)).toBeNull();
  });

  it('re-reads a key after the TTL even when a change was never announced (the backstop)', async () => {
    // A clock the test moves, so a slow machine cannot expire the entry early.
    let clock = Date.now();
    const { cache } = await instance({ ttlMs: 300, now: () => clock });
    const key = await createKey(client);
    expect(await cache.authenticate(key.secret)).not.toBeNull();
    await cp.db.fork().getConnection().execute(`update api_key set revoked_at = now() where key_id = ?`, [key.secret.slice(4, 16)]);
    clock += 299;
    expect(await cache.authenticate(key.secret)).not.toBeNull();
    clock += 2;
    expect(await cache.authenticate(key.secret)).toBeNull();
  });
});
