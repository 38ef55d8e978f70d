import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_RECORD_KEEP_MS, expireExportsJob } from '../../../control-plane/jobs/expire-exports.js';
import { jobs } from '../../../control-plane/jobs/index.js';
import { DATA_MAP, Treatment } from '../../../control-plane/modules/privacy/data-map.js';
import { usageEventTable } from '../../../control-plane/modules/privacy/data-map.tables.js';
import { expireDataExports } from '../../../control-plane/modules/privacy/data-export.service.js';
import { exportFileNames } from '../../../control-plane/modules/privacy/export-archive.js';
import { shownColumns } from '../../../control-plane/modules/privacy/personal-records.js';
import { createLogger } from '../../../shared/logger.js';
import { createKey } from '../../helpers/api-keys.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { codeIn, dbId, insertUsage, outboxFor, parseCsv, runBuildExports, unzip } from './fixture.js';

const REQUEST = `mutation { dataExportRequest { dataExport { id status requestedAt } userErrors { field code message } } }`;
const LIST = `query { dataExports(first: 10) { nodes { id status requestedAt completedAt expiresAt sizeBytes sha256 downloadLink { url expiresAt } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on DataExport { status } } }`;
const EMAIL_CHANGE = `mutation($input: AccountEmailChangeInput!) { accountEmailChange(input: $input) { userErrors { code } } }`;

const EXPORT = '§6 "Export: Obtain a machine-readable copy of your data"';
const AT_ANY_TIME = '§5 "You may request export or deletion of your data at any time"';
const SPREADSHEET_UA = '=HYPERLINK("http://evil.example","x"), "quoted"';

interface ExportNode {
  id: string;
  status: string;
  completedAt: string | null;
  expiresAt: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  downloadLink: { url: string; expiresAt: string } | null;
}

let cp: TestControlPlane;
let alice: GraphQLClient;
let aliceUser: Awaited<ReturnType<typeof signUpAndLogIn>>;
let aliceKey: { id: string; secret: string };
let verificationCode: string;
let bob: GraphQLClient;
let exportId: string;
let archive: Buffer;
let downloadUrl: string;

const list = async (client: GraphQLClient): Promise<ExportNode[]> => (await client.data(LIST)).dataExports.nodes;
const fetchArchive = (url: string, cookie: string | null) => fetch(new URL(url, cp.url), { headers: cookie ? { cookie } : {} });

beforeAll(async () => {
  cp = await startTestControlPlane();
  alice = cp.client({ 'user-agent': 'AliceBrowser/2.0' });
  aliceUser = await signUpAndLogIn(alice);
  aliceKey = await createKey(alice, { name: 'export key' });
  await insertUsage(cp, { accountId: dbId(aliceUser.id), apiKeyId: dbId(aliceKey.id), clientIp: '198.51.100.23', userAgent: SPREADSHEET_UA }, 3);
  // A pending email change leaves a one-time code in the outbox: the export must not carry it.
  const change = await alice.data(EMAIL_CHANGE, { input: { newEmail: `other.${aliceUser.email}`, currentPassword: aliceUser.password } });
  expect(change.accountEmailChange.userErrors).toEqual([]);
  verificationCode = codeIn((await outboxFor(cp, `other.${aliceUser.email}`))[0]!.body)!;
  bob = cp.client();
  await signUpAndLogIn(bob);
});
afterAll(() => cp?.stop());

describe('data export', () => {
  it(`${EXPORT} — dataExportRequest queues an export that a background job builds; I am notified when it is ready`, async () => {
    expect(jobs.map((j) => j.name)).toEqual(expect.arrayContaining(['build-exports', 'expire-exports']));
    const { dataExportRequest } = await alice.data(REQUEST);
    expect(dataExportRequest.userErrors).toEqual([]);
    expect(dataExportRequest.dataExport.status).toBe('PENDING');
    exportId = dataExportRequest.dataExport.id;
    const again = await alice.data(REQUEST);
    expect(again.dataExportRequest.userErrors).toEqual([expect.objectContaining({ code: 'IN_PROGRESS' })]);
    expect(await list(alice)).toEqual([expect.objectContaining({ id: exportId, status: 'PENDING', downloadLink: null, sizeBytes: null })]);

    expect(await runBuildExports(cp)).toEqual([dbId(exportId)]);
    expect(await runBuildExports(cp)).toEqual([]);

    const [ready] = await list(alice);
    expect(ready).toMatchObject({ id: exportId, status: 'READY' });
    expect(Date.parse(ready!.expiresAt!) - Date.parse(ready!.completedAt!)).toBe(7 * 24 * 3_600_000);
    expect(ready!.downloadLink!.url).toMatch(new RegExp(`^/exports/${exportId}\\?token=tbdl_`));
    const linkTtl = Date.parse(ready!.downloadLink!.expiresAt) - Date.now();
    expect(linkTtl).toBeGreaterThan(14 * 60_000);
    expect(linkTtl).toBeLessThanOrEqual(15 * 60_000);

    const notes = await cp.db.fork().execute<{ topic: string; title: string }[]>('select topic, title from notification where account_id = ?', [dbId(aliceUser.id)]);
    expect(notes).toContainEqual({ topic: 'DATA_EXPORT_READY', title: 'Your TokenByte data export is ready' });
    expect((await outboxFor(cp, aliceUser.email)).map((m) => m.subject)).toContain('Your TokenByte data export is ready');

    downloadUrl = ready!.downloadLink!.url;
    const response = await fetchArchive(downloadUrl, alice.cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="tokenbyte-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(response.headers.getSetCookie()).toEqual([]);
    archive = Buffer.from(await response.arrayBuffer());
    expect(archive.byteLength).toBe(ready!.sizeBytes);
    expect(createHash('sha256').update(archive).digest('hex')).toBe(ready!.sha256);
  });

  it(`${EXPORT} — the archive has JSON for every category of the data map, CSV for usage records, and a README describing every file and field`, async () => {
    const files = await unzip(archive);
    expect([...files.keys()].sort()).toEqual(exportFileNames().sort());
    const readme = files.get('README.txt')!.toString('utf8');
    for (const name of files.keys()) expect(readme, name).toContain(name);

    const fieldsSeen = new Set<string>();
    for (const category of DATA_MAP) {
      const json = JSON.parse(files.get(`${category.key}.json`)!.toString('utf8'));
      expect(json).toMatchObject({ category: category.key, name: category.name, purposes: category.purposes, retention: category.retention });
      for (const location of json.locations) for (const record of location.records) for (const field of Object.keys(record)) fieldsSeen.add(field);
    }
    for (const field of fieldsSeen) expect(readme, `README describes ${field}`).toMatch(new RegExp(`^ +${field} — `, 'm'));

    const account = JSON.parse(files.get('account.json')!.toString('utf8'));
    expect(account.locations[0].records).toEqual([expect.objectContaining({ username: aliceUser.username, email: aliceUser.email })]);
    const keys = JSON.parse(files.get('api-keys.json')!.toString('utf8'));
    expect(keys.locations[0].records).toEqual([expect.objectContaining({ name: 'export key', last_four: aliceKey.secret.slice(-4) })]);
    const usageJson = JSON.parse(files.get('usage-records.json')!.toString('utf8'));
    expect(usageJson.locations[0].records).toHaveLength(3);
    expect(usageJson.locations[0].records[0]).toMatchObject({ user_agent: SPREADSHEET_UA, client_ip: '198.51.100.23', cost_picousd: '1500000' });
    const billing = JSON.parse(files.get('billing-records.json')!.toString('utf8'));
    expect(billing.locations).toEqual([expect.objectContaining({ kind: 'NOT_HELD', records: [] })]);

    const csv = parseCsv(files.get('usage-records.csv')!.toString('utf8'));
    expect(csv[0]).toEqual(shownColumns(usageEventTable));
    expect(csv).toHaveLength(4);
    const header = csv[0]!;
    const rows = csv.slice(1).map((r) => Object.fromEntries(r.map((v, i) => [header[i], v])));
    expect(rows.map((r) => r.request_id)).toEqual(usageJson.locations[0].records.map((r: { request_id: string }) => r.request_id));
    // A formula a spreadsheet would run is neutralised; the rest of the text is intact.
    expect(rows[0]!.user_agent).toBe(`'${SPREADSHEET_UA}`);
    expect(rows[0]!.input_tokens).toBe('100');
  });

  it(`${EXPORT} — the export never contains secrets or hashes: password hash, session token hashes, API key hashes or keys, email verification codes or their hashes, export link tokens or their hashes`, async () => {
    const em = cp.db.fork();
    const id = dbId(aliceUser.id);
    const one = async (sql: string, params: unknown[]) => (await em.execute<{ v: string }[]>(sql, params)).map((r) => r.v);
    const secrets = [
      ...(await one('select password_hash as v from account where id = ?', [id])),
      ...(await one('select token_hash as v from session where account_id = ?', [id])),
      ...(await one('select secret_hash as v from api_key where account_id = ?', [id])),
      ...(await one('select token_hash as v from email_change where account_id = ?', [id])),
      ...(await one('select l.token_hash as v from data_export_link l join data_export e on e.id = l.data_export_id where e.account_id = ?', [id])),
      aliceKey.secret,
      verificationCode,
      new URL(downloadUrl, cp.url).searchParams.get('token')!,
      alice.cookie!.split('=')[1]!,
      aliceUser.password,
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    const files = await unzip(archive);
    for (const [name, content] of files) {
      const text = content.toString('utf8');
      for (const secret of secrets) expect(text.includes(secret), `${name} holds a secret`).toBe(false);
      for (const column of ['password_hash', 'token_hash', 'secret_hash', 'previous_secret_hash', 'login_hash']) {
        expect(name.endsWith('.json') && text.includes(`"${column}"`), `${name} has a ${column} field`).toBe(false);
      }
    }
    // The outbox email that carried the code is exported, with the code removed.
    const emails = JSON.parse(files.get('emails.json')!.toString('utf8'));
    expect(JSON.stringify(emails)).toContain('[one-time code removed]');
    const secretColumns = DATA_MAP.flatMap((c) => c.locations).flatMap((l) => (l.kind === 'TABLE' ? Object.entries(l.columns) : []));
    expect(secretColumns.filter(([, spec]) => spec.treatment === Treatment.SECRET).map(([name]) => name)).toEqual(
      expect.arrayContaining(['password_hash', 'token_hash', 'secret_hash', 'previous_secret_hash', 'login_hash']),
    );
  });

  it(`${EXPORT} — the download needs both my session cookie and an unexpired link: no cookie, another account's cookie, a wrong or expired token are refused`, async () => {
    expect((await fetchArchive(downloadUrl, null)).status).toBe(401);
    expect((await fetchArchive(downloadUrl, bob.cookie)).status).toBe(404);
    expect((await fetchArchive(downloadUrl.replace(/token=tbdl_./, 'token=tbdl_A'), alice.cookie)).status).toBe(404);
    expect((await fetchArchive(downloadUrl.replace(/\?token=.*/, ''), alice.cookie)).status).toBe(404);
    await cp.db.fork().execute(`update data_export_link set expires_at = now() - interval '1 second'`);
    expect((await fetchArchive(downloadUrl, alice.cookie)).status).toBe(404);
    // A fresh link from the list works again; each read of the list makes a new one.
    const fresh = (await list(alice))[0]!.downloadLink!.url;
    expect(fresh).not.toBe(downloadUrl);
    expect((await fetchArchive(fresh, alice.cookie)).status).toBe(200);
    const events = await cp.db.fork().execute<{ type: string }[]>('select type from security_event where account_id = ?', [dbId(aliceUser.id)]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['DATA_EXPORT_REQUEST', 'DATA_EXPORT_DOWNLOAD']));
  });

  it("another account's export id comes back as not found: in node(id), in its list, and at the download (even with a link of its own)", async () => {
    expect((await alice.data(NODE, { id: exportId })).node).toEqual({ id: exportId, status: 'READY' });
    expect((await bob.data(NODE, { id: exportId })).node).toBeNull();
    expect(await list(bob)).toEqual([]);
    const { dataExportRequest } = await bob.data(REQUEST);
    await runBuildExports(cp);
    const bobLink = (await list(bob))[0]!.downloadLink!.url;
    const bobToken = new URL(bobLink, cp.url).searchParams.get('token')!;
    // Bob's own valid token on Alice's export id, with Bob's cookie: still not found.
    expect((await fetchArchive(`/exports/${exportId}?token=${bobToken}`, bob.cookie)).status).toBe(404);
    expect((await fetchArchive(bobLink, alice.cookie)).status).toBe(404);
    expect((await fetchArchive(bobLink, bob.cookie)).status).toBe(200);
    expect(dataExportRequest.dataExport.id).not.toBe(exportId);
  });

  it(`${AT_ANY_TIME} — an expired archive is deleted by the expire-exports job and its export marked EXPIRED (idempotent); the record goes 30 days later`, async () => {
    const em = cp.db.fork();
    const id = dbId(exportId);
    const fresh = (await list(alice))[0]!.downloadLink!.url;
    await em.execute(`update data_export set expires_at = now() - interval '1 second' where id = ?`, [id]);
    expect(await expireExportsJob.run({ db: cp.db, config: cp.config, logger: createLogger({ level: 'silent', name: 'test' }) })).toEqual({ expired: 1, forgotten: 0 });
    expect(await em.execute('select 1 from data_export_archive where data_export_id = ?', [id])).toEqual([]);
    expect(await em.execute('select 1 from data_export_link where data_export_id = ?', [id])).toEqual([]);
    // Bob's archive, not expired, is untouched.
    expect(await em.execute(`select 1 from data_export_archive a join data_export e on e.id = a.data_export_id where e.account_id <> ?`, [dbId(aliceUser.id)])).toHaveLength(1);
    expect(await list(alice)).toEqual([expect.objectContaining({ id: exportId, status: 'EXPIRED', downloadLink: null })]);
    expect((await fetchArchive(fresh, alice.cookie)).status).toBe(404);
    expect(await expireDataExports(em, { keepRecordsMs: EXPORT_RECORD_KEEP_MS })).toEqual({ expired: 0, forgotten: 0 });
    const later = new Date(Date.now() + EXPORT_RECORD_KEEP_MS + 60_000);
    expect(await expireDataExports(em, { keepRecordsMs: EXPORT_RECORD_KEEP_MS, now: later })).toMatchObject({ forgotten: 1 });
    expect(await list(alice)).toEqual([]);
  });

  it('requires a session', async () => {
    const result = await cp.client().request(REQUEST);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
