import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { NotificationTopic, OutboxEmail } from '../../../control-plane/modules/notification/notification.entity.js';
import { notify } from '../../../control-plane/modules/notification/notify.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane({ TRUST_PROXY: 'true' });
});
afterAll(() => cp?.stop());

const FEED = /* GraphQL */ `
  query($first: Int, $after: String, $unreadOnly: Boolean) {
    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
      nodes { id topic essential title body createdAt readAt }
      pageInfo { hasNextPage endCursor }
    }
    unreadNotificationCount
  }`;
const MARK_READ = `mutation($id: ID!) { notificationMarkRead(id: $id) { notification { id readAt } userErrors { field code message } } }`;
const MARK_ALL_READ = `mutation { notificationsMarkAllRead { markedCount userErrors { code } } }`;
const CREATE_KEY = `mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { apiKey { id } userErrors { code } } }`;
const REVOKE_KEY = `mutation($id: ID!) { apiKeyRevoke(id: $id) { userErrors { code } } }`;

interface FeedItem {
  id: string;
  topic: string;
  essential: boolean;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

async function feed(client: GraphQLClient, variables: Record<string, unknown> = {}) {
  const data = await client.data(FEED, { first: 50, ...variables });
  return { nodes: data.notifications.nodes as FeedItem[], pageInfo: data.notifications.pageInfo, unread: data.unreadNotificationCount as number };
}

/** Signs up, then raises each security alert TokenByte sends: a new device, a key created and revoked, a password change. */
async function accountWithSecurityAlerts() {
  const client = cp.client({ 'user-agent': 'tb-laptop/1.0', 'x-forwarded-for': '192.0.2.10' });
  const user = await signUpAndLogIn(client);
  const phone = cp.client({ 'user-agent': 'tb-phone/7.1', 'x-forwarded-for': '198.51.100.77' });
  await phone.data(LOG_IN, { input: { login: user.username, password: user.password } });
  const created = await client.data(CREATE_KEY, { input: { name: 'ci runner' } });
  await client.data(REVOKE_KEY, { id: created.apiKeyCreate.apiKey.id });
  await client.data(`mutation($input: PasswordChangeInput!) { passwordChange(input: $input) { userErrors { code } } }`, {
    input: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
  });
  return { client, user };
}

describe('§2 "Sending service notifications, security alerts, and technical updates" — the in-service feed', () => {
  it('shows the security alerts — login from a new device, API key created and revoked, password change — newest first, unread, also queued as emails', async () => {
    const { client, user } = await accountWithSecurityAlerts();
    const { nodes, unread } = await feed(client);

    expect(nodes.map((n) => n.topic)).toEqual(['PASSWORD_CHANGED', 'API_KEY_REVOKED', 'API_KEY_CREATED', 'LOGIN_NEW_DEVICE']);
    expect(unread).toBe(4);
    for (const n of nodes) {
      expect(n).toMatchObject({ essential: true, readAt: null });
      expect(Date.now() - Date.parse(n.createdAt)).toBeLessThan(60_000);
      expect(Buffer.from(n.id, 'base64url').toString()).toMatch(/^Notification:/);
    }
    const newDevice = nodes.find((n) => n.topic === 'LOGIN_NEW_DEVICE')!;
    expect(newDevice.body).toContain('198.51.100.77');
    expect(newDevice.body).toContain('tb-phone/7.1');
    expect(nodes.find((n) => n.topic === 'API_KEY_CREATED')!.body).toContain('"ci runner"');

    const em = cp.db.fork();
    const account = await em.findOneOrFail(Account, { usernameCanonical: user.username.toLowerCase() });
    const emails = await em.find(OutboxEmail, { account }, { orderBy: { id: 'desc' } });
    expect(emails.map((e) => ({ to: e.toAddress, subject: e.subject, body: e.body }))).toEqual(
      nodes.map((n) => ({ to: user.email, subject: n.title, body: n.body })),
    );
  });

  it('the first login after sign-up raises no new-device alert, and a login from a known device none either', async () => {
    const device = { 'user-agent': 'tb-desk/2.0', 'x-forwarded-for': '192.0.2.20' };
    const client = cp.client(device);
    const user = await signUpAndLogIn(client);
    await cp.client(device).data(LOG_IN, { input: { login: user.username, password: user.password } });
    expect((await feed(client)).nodes).toEqual([]);
  });

  it('marks one notification read, filters unread ones, pages with first/after, and marks all read', async () => {
    const { client } = await accountWithSecurityAlerts();
    const before = await feed(client);
    const target = before.nodes[1]!;

    const marked = await client.data(MARK_READ, { id: target.id });
    expect(marked.notificationMarkRead.userErrors).toEqual([]);
    const readAt = marked.notificationMarkRead.notification.readAt as string;
    expect(Date.now() - Date.parse(readAt)).toBeLessThan(60_000);
    // Marking it again changes nothing.
    expect((await client.data(MARK_READ, { id: target.id })).notificationMarkRead.notification.readAt).toBe(readAt);

    const unreadOnly = await feed(client, { unreadOnly: true });
    expect(unreadOnly.unread).toBe(3);
    expect(unreadOnly.nodes.map((n) => n.id)).toEqual(before.nodes.filter((n) => n.id !== target.id).map((n) => n.id));
    expect((await feed(client)).nodes.find((n) => n.id === target.id)?.readAt).toBe(readAt);

    const page1 = await feed(client, { first: 3 });
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await feed(client, { first: 3, after: page1.pageInfo.endCursor });
    expect([...page1.nodes, ...page2.nodes].map((n) => n.id)).toEqual(before.nodes.map((n) => n.id));
    expect(page2.pageInfo.hasNextPage).toBe(false);

    expect((await client.data(MARK_ALL_READ)).notificationsMarkAllRead).toEqual({ markedCount: 3, userErrors: [] });
    const after = await feed(client);
    expect(after.unread).toBe(0);
    expect(after.nodes.every((n) => n.readAt !== null)).toBe(true);
    expect((await client.data(MARK_ALL_READ)).notificationsMarkAllRead.markedCount).toBe(0);
  });

  it('needs a session: the feed and its mutations are UNAUTHENTICATED without one', async () => {
    for (const query of [FEED, MARK_ALL_READ, `query { unreadNotificationCount }`]) {
      const result = await cp.client().request(query, query === FEED ? { first: 5 } : undefined);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('users never see other users\' notifications', () => {
  it("another account's notification id is NOT_FOUND to mark, null as a node (for admins too), and absent from my feed", async () => {
    const { client: alice } = await accountWithSecurityAlerts();
    const aliceNotification = (await feed(alice)).nodes[0]!;
    const bob = cp.client();
    await signUpAndLogIn(bob);
    const admin = cp.client();
    const adminUser = await signUpAndLogIn(admin);
    await promoteToAdmin(cp.db.fork(), adminUser.username);

    for (const intruder of [bob, admin]) {
      const attempt = await intruder.data(MARK_READ, { id: aliceNotification.id });
      expect(attempt.notificationMarkRead).toEqual({
        notification: null,
        userErrors: [{ field: ['id'], code: 'NOT_FOUND', message: 'No such notification.' }],
      });
      expect((await intruder.data(`query($id: ID!) { node(id: $id) { id } }`, { id: aliceNotification.id })).node).toBeNull();
      expect((await feed(intruder)).nodes.map((n) => n.id)).not.toContain(aliceNotification.id);
      await intruder.data(MARK_ALL_READ);
    }
    // Nothing the others did touched Alice's feed.
    expect((await feed(alice)).nodes.find((n) => n.id === aliceNotification.id)?.readAt).toBeNull();
    expect((await alice.data(`query($id: ID!) { node(id: $id) { id ... on Notification { topic } } }`, { id: aliceNotification.id })).node).toEqual({
      id: aliceNotification.id,
      topic: aliceNotification.topic,
    });
    // A malformed id is not found either.
    expect((await bob.data(MARK_READ, { id: 'garbage' })).notificationMarkRead.userErrors[0].code).toBe('NOT_FOUND');
  });
});

describe('§6 "Restrict Processing: Limit our processing of your data in certain circumstances"', () => {
  it('while restricted I get no non-essential messages, in the feed or by email, but security alerts still arrive', async () => {
    const restricted = cp.client();
    const restrictedUser = await signUpAndLogIn(restricted);
    const set = await restricted.data(`mutation { processingRestrictionSet(restricted: true) { userErrors { code } } }`);
    expect(set.processingRestrictionSet.userErrors).toEqual([]);
    const other = cp.client();
    const otherUser = await signUpAndLogIn(other);

    const em = cp.db.fork();
    for (const user of [restrictedUser, otherUser]) {
      const account = await em.findOneOrFail(Account, { usernameCanonical: user.username.toLowerCase() });
      notify(em, account, { topic: NotificationTopic.PRODUCT_NEWS, title: 'New models on TokenByte', body: 'Try them out.' });
    }
    await em.flush();
    await restricted.data(CREATE_KEY, { input: { name: 'still alerted' } });

    const restrictedFeed = (await feed(restricted)).nodes;
    const topics = restrictedFeed.map((n) => n.topic);
    expect(topics).toContain('API_KEY_CREATED');
    expect(topics).not.toContain('PRODUCT_NEWS');
    expect((await feed(other)).nodes.map((n) => ({ topic: n.topic, essential: n.essential }))).toEqual([{ topic: 'PRODUCT_NEWS', essential: false }]);

    const emails = await cp.db.fork().find(OutboxEmail, { toAddress: { $in: [restrictedUser.email, otherUser.email] } });
    expect(emails.map((e) => [e.toAddress, e.subject]).sort()).toEqual(
      [
        [restrictedUser.email, 'A new API key was created'],
        [otherUser.email, 'New models on TokenByte'],
      ].sort(),
    );
  });
});
