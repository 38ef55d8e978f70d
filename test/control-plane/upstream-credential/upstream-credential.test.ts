import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../../control-plane/graphql/node.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { newId } from '../../../shared/ids.js';
import { openCredential } from '../../../shared/upstream-credentials.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { TEST_UPSTREAM_CREDENTIALS_KEY } from '../../helpers/test-env.js';
import { eventually, loggedIn } from '../catalogue/fixture.js';
import {
  AUDIT_LOG,
  capturingLogger,
  CREDENTIAL_CREATE,
  CREDENTIAL_DELETE,
  CREDENTIAL_NODE,
  CREDENTIAL_UPDATE,
  credentialNotifications,
  credentialRow,
  CREDENTIALS,
  createCredential,
  dbIdOf,
  newSecret,
  type CredentialNode,
} from './fixture.js';

const KEY = Buffer.from(TEST_UPSTREAM_CREDENTIALS_KEY, 'hex');
const ADMIN_AGENT = 'AdminConsole/3.0 (credentials test)';

let cp: TestControlPlane;
let admin: GraphQLClient;
let user: GraphQLClient;
const logs = capturingLogger();
/** Every secret this file sends: none may show up in a response, an audit entry or a log line. */
const secrets: string[] = [];
let names = 0;

function secret(prefix?: string): string {
  const value = newSecret(prefix);
  secrets.push(value);
  return value;
}

/** A unique credential name. */
const uniqueName = (label = 'primary') => `${label} ${++names}`;

async function create(input: Record<string, unknown> = {}): Promise<CredentialNode> {
  return createCredential(admin, { provider: 'OPENAI', name: uniqueName(), secret: secret(), ...input });
}

beforeAll(async () => {
  cp = await startTestControlPlane({}, logs.logger);
  // The user agent identifies this admin's requests in the audit log.
  admin = cp.client({ 'user-agent': ADMIN_AGENT });
  await promoteToAdmin(cp.db.fork(), (await signUpAndLogIn(admin)).username);
  user = await loggedIn(cp);
});
afterAll(() => cp?.stop());

describe('access', () => {
  it('a USER gets FORBIDDEN on every operation, sees no credential through node(id), and changes nothing', async () => {
    const credential = await create({ name: uniqueName('user cannot touch') });
    const attempts = [
      await user.request(CREDENTIALS, { first: 10 }),
      await user.request(CREDENTIALS, { provider: 'OPENAI' }),
      await user.request(CREDENTIAL_CREATE, { input: { provider: 'OPENAI', name: 'user-made', secret: secret() } }),
      await user.request(CREDENTIAL_UPDATE, { input: { id: credential.id, enabled: false, secret: secret() } }),
      await user.request(CREDENTIAL_DELETE, { input: { id: credential.id } }),
    ];
    for (const result of attempts) {
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await user.data(CREDENTIAL_NODE, { id: credential.id })).node).toBeNull();
    expect((await admin.data(CREDENTIAL_NODE, { id: credential.id })).node).toEqual(credential);
    const names = (await admin.data(CREDENTIALS, { first: 100 })).upstreamCredentials.nodes.map((c: CredentialNode) => c.name);
    expect(names).not.toContain('user-made');
  });

  it('without a session every operation is UNAUTHENTICATED', async () => {
    const anonymous = cp.client();
    const attempts = [
      await anonymous.request(CREDENTIALS, {}),
      await anonymous.request(CREDENTIAL_CREATE, { input: { provider: 'GEMINI', name: 'anon', secret: secret() } }),
      await anonymous.request(CREDENTIAL_UPDATE, { input: { id: toGlobalId('UpstreamCredential', newId()), weight: 2 } }),
      await anonymous.request(CREDENTIAL_DELETE, { input: { id: toGlobalId('UpstreamCredential', newId()) } }),
    ];
    for (const result of attempts) expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the UpstreamCredential type has no field that could carry the secret or its sealed value', async () => {
    const { __type } = await admin.data(`{ __type(name: "UpstreamCredential") { fields { name } } }`);
    expect(__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(
      ['baseUrl', 'createdAt', 'enabled', 'id', 'name', 'provider', 'secretLastFour', 'updatedAt', 'weight'].sort(),
    );
  });
});

describe('upstreamCredentialCreate', () => {
  it('stores the secret only sealed with the row id (the key opens it), and answers with its last four characters only', async () => {
    const value = secret('sk-ant-api03');
    const before = Date.now();
    const result = await admin.request(CREDENTIAL_CREATE, {
      input: { provider: 'ANTHROPIC', name: 'anthropic primary', secret: value, baseUrl: 'https://anthropic.example.com/proxy', weight: 5 },
    });
    expect(JSON.stringify(result.data)).not.toContain(value);
    const { upstreamCredentialCreate: payload } = result.data as { upstreamCredentialCreate: { upstreamCredential: CredentialNode; userErrors: unknown[] } };
    expect(payload.userErrors).toEqual([]);
    expect(payload.upstreamCredential).toMatchObject({
      provider: 'ANTHROPIC',
      name: 'anthropic primary',
      baseUrl: 'https://anthropic.example.com/proxy',
      secretLastFour: value.slice(-4),
      weight: 5,
      enabled: true,
    });
    expect(Date.parse(payload.upstreamCredential.createdAt)).toBeGreaterThanOrEqual(before - 1_000);

    const row = await credentialRow(cp, dbIdOf(payload.upstreamCredential.id));
    expect(row).toMatchObject({ provider: 'anthropic', name: 'anthropic primary', base_url: 'https://anthropic.example.com/proxy', secret_last_four: value.slice(-4), weight: 5, enabled: true });
    expect(JSON.stringify(row)).not.toContain(value);
    expect(row!.secret_sealed).toMatch(/^v1\./);
    expect(openCredential(row!.secret_sealed as string, KEY, row!.id as string)).toBe(value);
  });

  it('defaults to weight 1, enabled, no base URL; trims a pasted secret; shows a quarter at most of a short one', async () => {
    const value = secret('AIza');
    const credential = await createCredential(admin, { provider: 'GEMINI', name: '  gemini default  ', secret: `  ${value}\n` });
    expect(credential).toMatchObject({ provider: 'GEMINI', name: 'gemini default', baseUrl: null, weight: 1, enabled: true, secretLastFour: value.slice(-4) });
    const row = await credentialRow(cp, dbIdOf(credential.id));
    expect(openCredential(row!.secret_sealed as string, KEY, row!.id as string)).toBe(value);

    const short = await create({ secret: 'abcdefg' });
    expect(short.secretLastFour).toBe('g');
  });

  it('announces the change on the upstream-credential channel with the provider name, after the commit', async () => {
    const notes = await credentialNotifications(cp);
    try {
      const credential = await create({ provider: 'GEMINI' });
      await eventually(() => notes.payloads.includes('gemini'));
      expect(notes.payloads).toEqual(['gemini']);
      // Announced after the commit: a data-plane reloading on the notification finds the row.
      expect(await credentialRow(cp, dbIdOf(credential.id))).toBeDefined();
    } finally {
      await notes.close();
    }
  });
});

describe('upstreamCredentials', () => {
  it("lists the newest first, one provider's or all, a page at a time", async () => {
    const first = await create({ provider: 'ANTHROPIC', name: uniqueName('list') });
    const second = await create({ provider: 'ANTHROPIC', name: uniqueName('list') });
    const gemini = await create({ provider: 'GEMINI', name: uniqueName('list') });

    const anthropic: CredentialNode[] = (await admin.data(CREDENTIALS, { provider: 'ANTHROPIC', first: 100 })).upstreamCredentials.nodes;
    expect(anthropic.every((c) => c.provider === 'ANTHROPIC')).toBe(true);
    expect(anthropic.map((c) => c.id).slice(0, 2)).toEqual([second.id, first.id]);
    expect(anthropic.map((c) => c.id)).not.toContain(gemini.id);

    const all: CredentialNode[] = (await admin.data(CREDENTIALS, { first: 100 })).upstreamCredentials.nodes;
    expect(all[0]).toEqual(gemini);
    expect(new Set(all.map((c) => c.provider)).size).toBeGreaterThan(1);

    const page = (await admin.data(CREDENTIALS, { provider: 'ANTHROPIC', first: 1 })).upstreamCredentials;
    expect(page.nodes).toEqual([second]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = (await admin.data(CREDENTIALS, { provider: 'ANTHROPIC', first: 1, after: page.pageInfo.endCursor })).upstreamCredentials;
    expect(next.nodes).toEqual([first]);
  });
});

describe('upstreamCredentialUpdate', () => {
  it('changes only the fields given, baseUrl null clears it, and each change is announced', async () => {
    const credential = await create({ name: uniqueName('update'), baseUrl: 'https://openai.example.com/v1', weight: 3 });
    const notes = await credentialNotifications(cp);
    try {
      const renamed = await update({ id: credential.id, name: uniqueName('renamed'), weight: 0, enabled: false });
      expect(renamed).toMatchObject({ ...pick(credential, 'id', 'provider', 'baseUrl', 'secretLastFour', 'createdAt'), weight: 0, enabled: false });
      expect(Date.parse(renamed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(credential.updatedAt));

      const cleared = await update({ id: credential.id, baseUrl: null });
      expect(cleared).toMatchObject({ name: renamed.name, baseUrl: null, weight: 0, enabled: false });

      const moved = await update({ id: credential.id, baseUrl: 'http://127.0.0.1:8089/v1', weight: 1000, enabled: true });
      expect(moved).toMatchObject({ baseUrl: 'http://127.0.0.1:8089/v1', weight: 1000, enabled: true });

      await eventually(() => notes.payloads.length === 3);
      expect(notes.payloads).toEqual(['openai', 'openai', 'openai']);
      const row = await credentialRow(cp, dbIdOf(credential.id));
      expect(row).toMatchObject({ name: renamed.name, base_url: 'http://127.0.0.1:8089/v1', weight: 1000, enabled: true });
    } finally {
      await notes.close();
    }
  });

  it('replaces the secret (a rotation): the new one is sealed, the old one is gone, the last four follow', async () => {
    const old = secret();
    const credential = await create({ secret: old });
    const before = (await credentialRow(cp, dbIdOf(credential.id)))!;
    const fresh = secret('sk-rotated');
    const result = await admin.request(CREDENTIAL_UPDATE, { input: { id: credential.id, secret: fresh } });
    expect(JSON.stringify(result.data)).not.toContain(fresh);
    const updated = (result.data as { upstreamCredentialUpdate: { upstreamCredential: CredentialNode } }).upstreamCredentialUpdate.upstreamCredential;
    expect(updated.secretLastFour).toBe(fresh.slice(-4));
    const row = (await credentialRow(cp, dbIdOf(credential.id)))!;
    expect(row.secret_sealed).not.toBe(before.secret_sealed);
    expect(JSON.stringify(row)).not.toContain(fresh);
    expect(openCredential(row.secret_sealed as string, KEY, row.id as string)).toBe(fresh);
    // The ciphertext is bound to its row: copied onto another credential it no longer opens.
    const other = await create();
    expect(() => openCredential(row.secret_sealed as string, KEY, dbIdOf(other.id))).toThrow();
  });
});

describe('upstreamCredentialDelete', () => {
  it('deletes the credential, returns its id, and announces it; a second delete is NOT_FOUND', async () => {
    const credential = await create({ provider: 'ANTHROPIC', name: uniqueName('doomed') });
    const notes = await credentialNotifications(cp);
    try {
      const { upstreamCredentialDelete } = await admin.data(CREDENTIAL_DELETE, { input: { id: credential.id } });
      expect(upstreamCredentialDelete).toEqual({ deletedId: credential.id, userErrors: [] });
      expect(await credentialRow(cp, dbIdOf(credential.id))).toBeUndefined();
      expect((await admin.data(CREDENTIAL_NODE, { id: credential.id })).node).toBeNull();
      await eventually(() => notes.payloads.length === 1);
      expect(notes.payloads).toEqual(['anthropic']);
    } finally {
      await notes.close();
    }
    const again = await admin.data(CREDENTIAL_DELETE, { input: { id: credential.id } });
    expect(again.upstreamCredentialDelete).toEqual({ deletedId: null, userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such upstream credential.' }] });
  });
});

describe('the audit log', () => {
  it('records every change with who, what, when and from where, and never the secret', async () => {
    const value = secret('sk-audited');
    const before = Date.now();
    const credential = await create({ provider: 'GEMINI', name: uniqueName('audited'), secret: value, weight: 7 });
    const rotated = secret('sk-audited-rotated');
    await update({ id: credential.id, secret: rotated, enabled: false });
    await admin.data(CREDENTIAL_DELETE, { input: { id: credential.id } });

    const entries = (await admin.data(AUDIT_LOG, { filter: { target: credential.id } })).auditLog.nodes;
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['upstreamCredentialDelete', 'upstreamCredentialUpdate', 'upstreamCredentialCreate']);
    for (const entry of entries) {
      expect(entry).toMatchObject({ targetType: 'UpstreamCredential', targetId: credential.id, ip: expect.any(String), userAgent: ADMIN_AGENT });
      expect(Date.parse(entry.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    }
    const [deleted, updated, created] = entries;
    expect(created.details).toEqual({ provider: 'gemini', name: credential.name, baseUrl: null, weight: 7, enabled: true, lastFour: value.slice(-4) });
    expect(updated.details).toMatchObject({ lastFour: rotated.slice(-4), enabled: false, changed: ['secret', 'enabled'] });
    expect(deleted.details).toMatchObject({ provider: 'gemini', name: credential.name, lastFour: rotated.slice(-4) });

    // Straight from the table: neither secret, nor any sealed value, in any entry.
    const rows = JSON.stringify(await cp.db.fork().getConnection().execute(`select * from admin_audit where action like 'upstreamCredential%'`));
    for (const s of secrets) expect(rows).not.toContain(s);
    expect(rows).not.toMatch(/v1\.[A-Za-z0-9_-]{16}\./);
  });
});

describe('secrets and the logs', () => {
  it('an unexpected failure during a create is masked as "Unexpected error.", and the secret reaches neither the answer nor the log', async () => {
    // A real database failure on insert, for this one name.
    await cp.db.fork().getConnection().execute(`create function test_fail_credential() returns trigger language plpgsql as $$
      begin if new.name = 'explodes' then raise exception 'simulated storage failure'; end if; return new; end $$`);
    await cp.db.fork().getConnection().execute(`create trigger test_fail_credential before insert on upstream_credential
      for each row execute function test_fail_credential()`);
    const value = secret('sk-explodes');
    const linesBefore = logs.lines.length;
    const result = await admin.request(CREDENTIAL_CREATE, { input: { provider: 'OPENAI', name: 'explodes', secret: value } });
    expect(result.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) } });
    expect(JSON.stringify(result)).not.toContain(value);

    const written = logs.lines.slice(linesBefore).join('');
    // The failure was logged (so the check below looked at the right lines) …
    expect(written).toContain('simulated storage failure');
    expect(written).toContain(result.errors![0]!.extensions!.requestId as string);
    // … without the secret, and without the statement that carried its sealed value (PGlite's errors hold it).
    expect(written).not.toContain(value);
    expect(written).not.toMatch(/v1\.[A-Za-z0-9_-]{16}\./);
  });

  it('no secret sent in this file reached any log line', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    const all = logs.lines.join('');
    for (const s of secrets) expect(all).not.toContain(s);
  });
});

async function update(input: Record<string, unknown>): Promise<CredentialNode> {
  const { upstreamCredentialUpdate } = await admin.data(CREDENTIAL_UPDATE, { input });
  if (upstreamCredentialUpdate.userErrors.length > 0) throw new Error(JSON.stringify(upstreamCredentialUpdate.userErrors));
  return upstreamCredentialUpdate.upstreamCredential;
}

function pick<T extends object, K extends keyof T>(object: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, object[k]])) as Pick<T, K>;
}
