import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, recordedJob, type JobDeps } from '../../../control-plane/jobs/index.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

const JOB_RUNS = `query($name: String, $first: Int) {
  jobRuns(name: $name, first: $first) { nodes { id name startedAt finishedAt outcome counts { name value } error } } }`;

let cp: TestControlPlane;
let deps: JobDeps;
let admin: GraphQLClient;
let user: GraphQLClient;
beforeAll(async () => {
  cp = await startTestControlPlane();
  deps = { db: cp.db, config: cp.config, logger: createLogger({ level: 'silent', name: 'test' }) };
  admin = cp.client();
  const adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(cp.db.fork(), adminUser.username);
  user = cp.client();
  await signUpAndLogIn(user);
});
afterAll(() => cp?.stop());

describe('job runs', () => {
  it('the retention job in the job list records every run, and admins see the last runs with when, how it ended and what it removed', async () => {
    const retention = jobs.find((job) => job.name === 'retention');
    expect(retention?.everyMs).toBe(3_600_000);
    const started = Date.now();
    await retention!.run(deps);
    await retention!.run(deps);

    const { jobRuns } = await admin.data(JOB_RUNS, { name: 'retention', first: 1 });
    expect(jobRuns.nodes).toHaveLength(1);
    const [last] = jobRuns.nodes;
    expect(last).toMatchObject({ name: 'retention', outcome: 'SUCCEEDED', error: null });
    expect(Date.parse(last.startedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(last.finishedAt)).toBeGreaterThanOrEqual(Date.parse(last.startedAt));
    const counts = Object.fromEntries(last.counts.map((c: { name: string; value: number }) => [c.name, c.value]));
    // The second run found nothing left to do.
    expect(counts).toEqual({
      usagePartitionsCreated: 0,
      usageRowsMovedOutOfDefault: 0,
      usagePartitionsDropped: 0,
      usageRowsDropped: 0,
      usageRowsDeleted: 0,
      securityEventsDeleted: 0,
      sessionsDeleted: 0,
      adminAuditEntriesDeleted: 0,
      jobRunsDeleted: 0,
    });
    expect((await admin.data(JOB_RUNS, { name: 'retention', first: 10 })).jobRuns.nodes).toHaveLength(2);
    expect((await admin.data(`query($id: ID!) { node(id: $id) { id ... on JobRun { outcome } } }`, { id: last.id })).node).toEqual({ id: last.id, outcome: 'SUCCEEDED' });
  });

  it('records a failed run as FAILED with the SQLSTATE only (an SQL message can quote row data), and the error still reaches the caller', async () => {
    const failing = recordedJob({
      name: 'test-failing',
      everyMs: 1000,
      run: () => Promise.reject(Object.assign(new Error('duplicate key value (email)=(alice@example.com)'), { code: '23505' })),
    });
    await expect(failing.run(deps)).rejects.toThrow(/duplicate key/);
    const counted = recordedJob({ name: 'test-counted', everyMs: 1000, run: async () => [1, 2, 3] });
    await counted.run(deps);

    const { jobRuns } = await admin.data(JOB_RUNS, { first: 10 });
    const byName = new Map(jobRuns.nodes.map((run: { name: string }) => [run.name, run]));
    expect(byName.get('test-failing')).toMatchObject({ outcome: 'FAILED', error: 'SQLSTATE 23505', counts: [] });
    expect(JSON.stringify(jobRuns)).not.toContain('alice@example.com');
    expect(byName.get('test-counted')).toMatchObject({ outcome: 'SUCCEEDED', counts: [{ name: 'items', value: 3 }] });
  });

  it('§4 "Role-based access controls" — a user may not see job runs', async () => {
    const denied = await user.request(JOB_RUNS, { first: 5 });
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { jobRuns } = await admin.data(JOB_RUNS, { first: 1 });
    expect((await user.data(`query($id: ID!) { node(id: $id) { id } }`, { id: jobRuns.nodes[0].id })).node).toBeNull();
  });
});
