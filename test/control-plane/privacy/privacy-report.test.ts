import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_MAP, Purpose, RetentionRule } from '../../../control-plane/modules/privacy/data-map.js';
import { createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { dbId, insertUsage } from './fixture.js';

const REPORT = `query {
  privacyReport {
    generatedAt
    account { id username email }
    categories {
      key name description policy purposes retentionRule retention onExport onDeletion onDeletionDetail onRestriction recordCount
      locations { kind name personalFields recordCount records recordsShown }
    }
  }
}`;

interface Location {
  kind: string;
  name: string;
  personalFields: string[];
  recordCount: number;
  records: Record<string, unknown>[];
  recordsShown: string;
}
interface Category {
  key: string;
  purposes: string[];
  retentionRule: string;
  retention: string;
  onDeletion: string;
  recordCount: number;
  locations: Location[];
}

let cp: TestControlPlane;
let alice: GraphQLClient;
let aliceUser: { username: string; email: string; id: string; password: string };
let aliceKey: { id: string; secret: string };
let bobKeyName: string;
let report: { account: { username: string }; categories: Category[] };
let raw: string;

const location = (key: string, table: string) => report.categories.find((c) => c.key === key)!.locations.find((l) => l.name === table)!;

beforeAll(async () => {
  cp = await startTestControlPlane();
  alice = cp.client({ 'user-agent': 'AliceBrowser/1.0' });
  aliceUser = await signUpAndLogIn(alice);
  aliceKey = await createKey(alice, { name: 'alice laptop key' });
  const accountId = dbId(aliceUser.id);
  await insertUsage(cp, { accountId, apiKeyId: dbId(aliceKey.id), clientIp: '198.51.100.7', userAgent: 'OpenAI/Python 1.50.0' }, 3);

  const bob = cp.client();
  const bobUser = await signUpAndLogIn(bob);
  bobKeyName = `bob secret project ${Date.now()}`;
  const bobKey = await createKey(bob, { name: bobKeyName });
  await insertUsage(cp, { accountId: dbId(bobUser.id), apiKeyId: dbId(bobKey.id), clientIp: '203.0.113.99', userAgent: 'BobAgent/9' }, 2);

  const result = await alice.request<{ privacyReport: typeof report }>(REPORT);
  expect(result.errors).toBeUndefined();
  report = result.data!.privacyReport;
  raw = JSON.stringify(report);
});
afterAll(() => cp?.stop());

describe('privacyReport', () => {
  it('§6 "Access: View the personal information we hold about you" — lists every category of the data map, in its order, each with its §2 purposes and §5 retention', () => {
    expect(report.categories.map((c) => c.key)).toEqual(DATA_MAP.map((c) => c.key));
    const purposes = new Set<string>(Object.values(Purpose));
    const rules = new Set<string>(Object.values(RetentionRule));
    for (const category of report.categories) {
      expect(category.purposes.length, category.key).toBeGreaterThan(0);
      for (const purpose of category.purposes) expect(purposes.has(purpose), purpose).toBe(true);
      expect(rules.has(category.retentionRule), category.retentionRule).toBe(true);
      expect(category.retention.length).toBeGreaterThan(10);
    }
    expect(report.categories.find((c) => c.key === 'usage-records')!.retentionRule).toBe(
      'Usage logs and billing records are retained for up to 12 months as required by law.',
    );
    expect(report.categories.find((c) => c.key === 'account')!.retentionRule).toBe('Account information is purged within 30 days of account deletion.');
  });

  it('§6 "Access: View the personal information we hold about you" — shows my actual records: account fields, sessions, security events, key metadata, usage totals and count, notifications', () => {
    const account = location('account', 'account');
    expect(account.records).toEqual([expect.objectContaining({ username: aliceUser.username, email: aliceUser.email, role: 'USER', id: dbId(aliceUser.id) })]);
    expect(account.personalFields).toEqual(expect.arrayContaining(['username', 'email', 'password_hash']));

    const sessions = location('sessions', 'session');
    expect(sessions.recordCount).toBe(1);
    expect(sessions.records[0]).toMatchObject({ ip: '127.0.0.1', user_agent: 'AliceBrowser/1.0', revoked_at: null });
    expect(String(sessions.records[0]!.created_at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    const events = location('security-events', 'security_event');
    expect(events.records.map((r) => r.type)).toEqual(expect.arrayContaining(['SIGN_UP', 'LOGIN_SUCCESS', 'API_KEY_CREATE']));

    const keys = location('api-keys', 'api_key');
    expect(keys.records).toEqual([expect.objectContaining({ name: 'alice laptop key', last_four: aliceKey.secret.slice(-4), revoked_at: null })]);

    const usage = location('usage-records', 'usage_event');
    expect(usage.recordCount).toBe(3);
    expect(usage.records).toEqual([
      expect.objectContaining({ provider: 'openai', model: 'gpt-4o-mini', requests: '3', input_tokens: String(100 + 101 + 102), output_tokens: String(20 + 21 + 22) }),
    ]);
    expect(usage.recordsShown).toMatch(/Totals per month/);

    const notifications = location('notifications', 'notification');
    expect(notifications.records.map((r) => r.topic)).toContain('API_KEY_CREATED');
  });

  it('§6 "Access: View the personal information we hold about you" — says where each kind lives, including what is not held (billing) and what is only in the server logs', () => {
    const billing = report.categories.find((c) => c.key === 'billing-records')!;
    expect(billing.locations).toEqual([expect.objectContaining({ kind: 'NOT_HELD', name: 'not held', recordCount: 0, records: [] })]);
    expect(billing.locations[0]!.recordsShown).toMatch(/no billing or payment records/);
    const logs = report.categories.find((c) => c.key === 'server-logs')!;
    expect(logs.locations).toEqual([expect.objectContaining({ kind: 'SERVER_LOGS', name: 'server logs (stdout)' })]);
    expect(report.categories.find((c) => c.key === 'usage-records')!.onDeletion).toBe('PSEUDONYMISE');
    expect(report.categories.find((c) => c.key === 'sessions')!.onDeletion).toBe('DELETE');
  });

  it('never shows a secret or a hash: password hash, session token hash, API key hash or the key itself', async () => {
    const em = cp.db.fork();
    const accountId = dbId(aliceUser.id);
    const [account] = await em.execute<{ password_hash: string }[]>('select password_hash from account where id = ?', [accountId]);
    const sessions = await em.execute<{ token_hash: string }[]>('select token_hash from session where account_id = ?', [accountId]);
    const [key] = await em.execute<{ secret_hash: string }[]>('select secret_hash from api_key where id = ?', [dbId(aliceKey.id)]);
    const secrets = [account!.password_hash, ...sessions.map((s) => s.token_hash), key!.secret_hash, aliceKey.secret, alice.cookie!.split('=')[1]!, aliceUser.password];
    for (const secret of secrets) expect(raw.includes(secret), 'a secret in the report').toBe(false);
    expect(raw).not.toMatch(/password_hash"\s*:|token_hash"\s*:|secret_hash"\s*:/);
  });

  it('shows nothing of another account (its key, usage, IP)', () => {
    expect(raw).not.toContain(bobKeyName);
    expect(raw).not.toContain('203.0.113.99');
    expect(raw).not.toContain('BobAgent/9');
  });

  it('requires a session', async () => {
    const result = await cp.client().request(REPORT);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
