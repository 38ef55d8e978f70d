// The data-plane's upstream credentials over a real database: decrypted into memory,
// reloaded on NOTIFY, never logged; what a provider with stored credentials uses.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCache, type CredentialCache } from '../../../data-plane/credentials/cache.js';
import { newId } from '../../../shared/ids.js';
import { UPSTREAM_CREDENTIAL_CHANNEL } from '../../../shared/key-events.js';
import { sealCredential } from '../../../shared/upstream-credentials.js';
import { createTestSqlClient } from '../../helpers/db.js';
import { eventually } from '../../helpers/eventually.js';
import { capturingLogger } from '../usage/helpers.js';

const KEY = Buffer.alloc(32, 7);
let db: Awaited<ReturnType<typeof createTestSqlClient>>;
const caches: CredentialCache[] = [];

beforeAll(async () => {
  db = await createTestSqlClient();
});
afterAll(async () => {
  for (const cache of caches) await cache.close();
  await db?.close();
});

async function insert(options: { provider: string; secret: string; weight?: number; enabled?: boolean; baseUrl?: string | null; key?: Buffer }): Promise<string> {
  const id = newId();
  await db.sql.query(
    `insert into upstream_credential (id, provider, name, base_url, secret_sealed, secret_last_four, weight, enabled, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, now(), now())`,
    [id, options.provider, `c-${randomUUID().slice(0, 8)}`, options.baseUrl ?? null, sealCredential(options.secret, options.key ?? KEY, id), options.secret.slice(-4), options.weight ?? 1, options.enabled ?? true],
  );
  return id;
}

async function startCache(logger = capturingLogger().logger): Promise<CredentialCache> {
  const cache = createCredentialCache({ sql: db.sql, key: KEY, logger, ttlMs: 3_600_000 });
  caches.push(cache);
  await cache.start();
  return cache;
}

describe('credential cache', () => {
  it('holds each provider\'s enabled credentials decrypted; null for a provider with none stored', async () => {
    const openai = await insert({ provider: 'openai', secret: 'sk-openai-one', weight: 3, baseUrl: 'https://eu.example/v1' });
    await insert({ provider: 'openai', secret: 'sk-openai-off', enabled: false });
    const cache = await startCache();
    expect(cache.forProvider('openai')).toEqual([{ id: openai, baseUrl: 'https://eu.example/v1', apiKey: 'sk-openai-one', weight: 3 }]);
    expect(cache.forProvider('gemini')).toBeNull();
  });

  it('reloads on NOTIFY within a second; every credential disabled leaves an empty list (the provider is off, not back on the environment\'s key)', async () => {
    const cache = await startCache();
    const id = await insert({ provider: 'anthropic', secret: 'sk-ant-new' });
    await db.sql.query(`select pg_notify($1, 'anthropic')`, [UPSTREAM_CREDENTIAL_CHANNEL]);
    await eventually(() => cache.forProvider('anthropic')?.some((c) => c.id === id) === true);
    await db.sql.query(`update upstream_credential set enabled = false where provider = 'anthropic'`);
    await db.sql.query(`select pg_notify($1, 'anthropic')`, [UPSTREAM_CREDENTIAL_CHANNEL]);
    await eventually(() => cache.forProvider('anthropic')?.length === 0);
  });

  it('leaves out a credential sealed with another key and logs its id, never a secret', async () => {
    const capture = capturingLogger();
    const foreign = await insert({ provider: 'gemini', secret: 'AIza-secret-from-elsewhere', key: Buffer.alloc(32, 9) });
    const good = await insert({ provider: 'gemini', secret: 'AIza-good-one' });
    const cache = await startCache(capture.logger);
    expect(cache.forProvider('gemini')?.map((c) => c.id)).toEqual([good]);
    const log = capture.lines.join('\n');
    expect(log).toContain(foreign);
    expect(log).not.toContain('AIza-');
  });
});
