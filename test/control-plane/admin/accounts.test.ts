import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

const SEARCH = `query($q: String, $first: Int) { accounts(first: $first, query: $q) {
  nodes { id username email role suspended suspendedAt suspensionReason processingRestricted processingRestrictedAt deletionRequestedAt } } }`;

let cp: TestControlPlane;
let admin: GraphQLClient;
const tag = Math.random().toString(36).slice(2, 7);
let plain: Awaited<ReturnType<typeof signUpAndLogIn>>;

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = cp.client();
  const adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(cp.db.fork(), adminUser.username);
  // "_" and "%" are LIKE wildcards: a search must take them literally.
  const first = cp.client();
  await signUpAndLogIn(first, { username: `Sr_${tag}`, email: `Search.${tag}@Example.com` });
  plain = await signUpAndLogIn(cp.client(), { username: `Srx${tag}`, email: `other${tag}@example.org` });
  await first.data(`mutation { processingRestrictionSet(restricted: true) { userErrors { code } } }`);
  await admin.data(`mutation($id: ID!) { accountSuspend(id: $id, reason: "spam") { userErrors { code } } }`, { id: plain.id });
});
afterAll(() => cp?.stop());

const found = async (q: string) => ((await admin.data(SEARCH, { q, first: 100 })).accounts.nodes as { username: string }[]).map((a) => a.username).sort();

describe('accounts (admin search)', () => {
  it('§4 "Role-based access controls" — admins find accounts by username or email prefix, regardless of case, with "_" and "%" taken literally', async () => {
    expect(await found(`sr_${tag}`)).toEqual([`Sr_${tag}`]);
    expect(await found('SR_')).toEqual([`Sr_${tag}`]);
    expect(await found(`SRX${tag.slice(0, 2)}`)).toEqual([`Srx${tag}`]);
    expect(await found(`search.${tag}@example`)).toEqual([`Sr_${tag}`]);
    expect(await found(`OTHER${tag}`)).toEqual([`Srx${tag}`]);
    expect(await found('sr%')).toEqual([]);
    expect(await found(`${tag}`)).toEqual([]);
  });

  it('shows each account\'s state: suspended (with the reason), processing restricted, deletion requested', async () => {
    const { accounts } = await admin.data(SEARCH, { q: `sr`, first: 100 });
    const byName = new Map((accounts.nodes as { username: string }[]).map((a) => [a.username, a]));
    expect(byName.get(`Sr_${tag}`)).toMatchObject({ suspended: false, suspendedAt: null, processingRestricted: true, deletionRequestedAt: null });
    expect(byName.get(`Sr_${tag}`)).toHaveProperty('processingRestrictedAt', expect.any(String));
    expect(byName.get(`Srx${tag}`)).toMatchObject({ suspended: true, suspensionReason: 'spam', processingRestricted: false, processingRestrictedAt: null });
  });

  it('§4 "Role-based access controls" — a user may not search accounts', async () => {
    const user = cp.client();
    await signUpAndLogIn(user);
    const denied = await user.request(SEARCH, { q: 'sr' });
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
