import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
const lines: string[] = [];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  cp = await startTestControlPlane({}, createLogger({ level: 'info', name: 'test', destination }));
});
afterAll(() => cp?.stop());

/** Rows in every table of the schema (partitions counted through their parent). */
async function rowCounts(): Promise<Record<string, number>> {
  const connection = cp.db.fork().getConnection();
  const tables = await connection.execute<{ name: string }[]>(
    `select relname as name from pg_class where relkind in ('r', 'p') and not relispartition and relnamespace = current_schema()::regnamespace order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await connection.execute<{ n: unknown }[]>(`select count(*) as n from "${name}"`);
    counts[name] = Number(row?.n);
  }
  return counts;
}

describe('access logs', () => {
  it('§1 "access logs for security protection and service stability" — are written as JSON lines to stdout only: requests add no row to any table of the database', async () => {
    const client = cp.client({ 'user-agent': 'access-log-test/1.0' });
    await signUpAndLogIn(client);
    const before = await rowCounts();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['usage_event', 'security_event', 'session', 'admin_audit']));
    lines.length = 0;

    const from = new Date(Date.now() - 86_400_000).toISOString();
    const reads = [
      `query { me { id username } }`,
      `query { sessions { nodes { id ip userAgent } } }`,
      `query { securityEvents { nodes { type } } }`,
      `query { me { apiKeys(first: 10) { nodes { id } } } }`,
      `query { usage(from: "${from}", to: "${new Date().toISOString()}", granularity: HOUR) { requests } }`,
      `query { usageEvents(first: 5) { nodes { requestId } } }`,
    ];
    for (const query of reads) await client.data(query);
    await cp.client().request(`query { me { id } }`);
    await fetch(`${cp.url}/healthz`);

    expect(await rowCounts()).toEqual(before);
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
    expect(requests.filter((r) => r.path === '/graphql')).toHaveLength(reads.length + 1);
    expect(requests.find((r) => r.path === '/healthz')).toMatchObject({ method: 'GET' });
  });
});
