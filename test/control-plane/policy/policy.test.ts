import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../../control-plane/config.js';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { deliverPendingEmails } from '../../../control-plane/modules/notification/email-delivery.js';
import { Notification, OutboxEmail } from '../../../control-plane/modules/notification/notification.entity.js';
import { loadFirstPolicyText } from '../../../control-plane/modules/policy/policy-seed.js';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { newUser, SIGN_UP, signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { startTestSmtpServer } from '../notification/smtp-server.js';

let cp: TestControlPlane;
let admin: GraphQLClient;
beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = cp.client();
  const adminUser = await signUpAndLogIn(admin);
  await promoteToAdmin(cp.db.fork(), adminUser.username);
});
afterAll(() => cp?.stop());

const PRIVACY_POLICY = `query { privacyPolicy { id version summary text url publishedAt current seenAt } }`;
const PUBLISH = /* GraphQL */ `
  mutation($input: PolicyVersionPublishInput!) {
    policyVersionPublish(input: $input) { policyVersion { id version summary text url current } userErrors { field code message } }
  }`;
const MARK_SEEN = `mutation($id: ID!) { policyVersionMarkSeen(id: $id) { policyVersion { version } seenAt userErrors { field code } } }`;
const ACCEPTED = `query { me { acceptedPolicyVersion { version } acceptedPolicyAt } }`;
const AUDIENCE = /* GraphQL */ `
  query($id: ID!) {
    node(id: $id) {
      ... on PolicyVersion {
        version
        publishedBy { username }
        audience { accountCount seenCount acceptedAtSignUpCount notifiedCount announcementCompletedAt }
        seenBy(first: 100) { nodes { account { username } seenAt acceptedAt } }
      }
    }
  }`;

let published = 0;
/** Publishes a new version as the admin and waits until every account has been notified. */
async function publish(input: Record<string, unknown> = {}) {
  published += 1;
  const version = `2.${published}-${process.pid}`;
  const result = await admin.data(PUBLISH, {
    input: { version, summary: `Section 5 now names every retention period (${version}).`, url: `https://tokenbyte.example/privacy/${version}`, ...input },
  });
  expect(result.policyVersionPublish.userErrors).toEqual([]);
  const policyVersion = result.policyVersionPublish.policyVersion as { id: string; version: string };
  for (let i = 0; i < 200; i++) {
    const { node } = await admin.data(AUDIENCE, { id: policyVersion.id });
    if (node.audience.announcementCompletedAt) return policyVersion;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the announcement did not complete');
}

describe('§8 "We may update this Privacy Policy from time to time." — policy versions', () => {
  it('serves the version in force to anyone, logged in or not: version "1" is the published policy text', async () => {
    const anonymous = await cp.client().request(PRIVACY_POLICY);
    expect(anonymous.errors).toBeUndefined();
    const policy = (anonymous.data as { privacyPolicy: Record<string, unknown> }).privacyPolicy;
    const text = loadFirstPolicyText();
    expect(text).toContain('8. Changes to This Policy');
    expect(text).toContain('Significant changes will be communicated via email or in-service notification.');
    expect(policy).toMatchObject({ version: '1', text, url: null, current: true, seenAt: null });
  });

  it('signUp records the version in force as accepted by the new account, and it keeps that version when a new one is published', async () => {
    const early = cp.client();
    await signUpAndLogIn(early);
    const before = (await early.data(ACCEPTED)).me;
    expect(before.acceptedPolicyVersion.version).toBe((await early.data(PRIVACY_POLICY)).privacyPolicy.version);
    expect(Date.now() - Date.parse(before.acceptedPolicyAt)).toBeLessThan(60_000);

    const next = await publish();
    const late = cp.client();
    await signUpAndLogIn(late);
    expect((await late.data(ACCEPTED)).me.acceptedPolicyVersion).toEqual({ version: next.version });
    expect((await early.data(ACCEPTED)).me).toEqual(before);
    // A sign-up accepted the version, so it has seen it.
    expect((await late.data(PRIVACY_POLICY)).privacyPolicy).toMatchObject({ version: next.version, current: true });
    expect((await late.data(PRIVACY_POLICY)).privacyPolicy.seenAt).not.toBeNull();
    // Another user cannot read it off my account.
    const other = await early.request(`query($id: ID!) { node(id: $id) { ... on Account { acceptedPolicyVersion { version } } } }`, {
      id: (await late.data(`query { me { id } }`)).me.id,
    });
    expect((other.data as { node: unknown }).node).toBeNull();
  });

  it('publishing is for admins only, checked, and never reuses a label', async () => {
    const user = cp.client();
    await signUpAndLogIn(user);
    const denied = await user.request(PUBLISH, { input: { version: 'x', summary: 'x', text: 'x' } });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await user.request(`query { policyVersions { nodes { version } } }`)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const codes = async (input: Record<string, unknown>) =>
      ((await admin.data(PUBLISH, { input })).policyVersionPublish.userErrors as { code: string; field: string[] }[]).map((e) => `${e.field.join('.')}:${e.code}`);
    expect(await codes({ version: '1', summary: 'again', text: 'again' })).toEqual(['input.version:TAKEN']);
    expect(await codes({ version: ' ', summary: '', text: null, url: null })).toEqual(['input.version:INVALID', 'input.summary:INVALID', 'input:TEXT_OR_URL_REQUIRED']);
    expect(await codes({ version: '9', summary: 'plain http', url: 'http://tokenbyte.example/privacy' })).toEqual(['input.url:INVALID']);
    expect((await cp.client().data(PRIVACY_POLICY)).privacyPolicy.version).not.toBe('9');
  });
});

describe('§8 "Significant changes will be communicated via email or in-service notification."', () => {
  it('publishing a version notifies every account in-service and by email — restricted and suspended ones too, as a legal notice — and the emails go out over SMTP', async () => {
    const restricted = cp.client();
    const restrictedUser = await signUpAndLogIn(restricted);
    await restricted.data(`mutation { processingRestrictionSet(restricted: true) { userErrors { code } } }`);
    const suspended = newUser();
    await cp.client().data(SIGN_UP, { input: suspended });
    const leaving = newUser();
    await cp.client().data(SIGN_UP, { input: leaving });
    const em = cp.db.fork();
    await em.nativeUpdate(Account, { usernameCanonical: suspended.username.toLowerCase() }, { suspendedAt: new Date() });
    await em.nativeUpdate(Account, { usernameCanonical: leaving.username.toLowerCase() }, { deletionRequestedAt: new Date() });

    const version = await publish({ summary: 'We now keep usage records for 12 months, not 24.', text: 'The whole new text.', url: null });

    const check = cp.db.fork();
    const accounts = await check.find(Account, {});
    const notices = await check.find(Notification, { topic: 'POLICY_UPDATED', title: { $like: `%(version ${version.version})` } }, { populate: ['account'] });
    const emails = await check.find(OutboxEmail, { subject: { $like: `%(version ${version.version})` } });
    const told = accounts.filter((a) => a.deletionRequestedAt === null);
    expect(told.length).toBeGreaterThanOrEqual(5);
    expect(notices.map((n) => n.account.id).sort()).toEqual(told.map((a) => a.id).sort());
    expect(emails.map((e) => e.toAddress).sort()).toEqual(told.map((a) => a.email).sort());
    expect(emails.map((e) => e.toAddress)).not.toContain(leaving.email);
    for (const notice of notices) {
      expect(notice.essential).toBe(true);
      expect(notice.body).toContain('We now keep usage records for 12 months, not 24.');
      expect(notice.body).toContain('Continued use of the Service constitutes acceptance of the updated policy.');
    }

    // The restricted account sees it in its feed.
    const feed = (await restricted.data(`query { notifications { nodes { topic title body essential } } }`)).notifications.nodes;
    expect(feed[0]).toMatchObject({ topic: 'POLICY_UPDATED', essential: true, title: `TokenByte's privacy policy has changed (version ${version.version})` });

    const smtp = await startTestSmtpServer();
    try {
      const email = controlPlaneConfigFrom({ NODE_ENV: 'test', SMTP_URL: smtp.url, SMTP_FROM: 'privacy@tokenbyte.test' }).email;
      await deliverPendingEmails(cp.db.fork(), email, createLogger({ level: 'silent', name: 'test' }));
      for (const account of told) {
        const received = smtp.to(account.email).filter((m) => m.headers.subject?.includes(`(version ${version.version})`));
        expect(received).toHaveLength(1);
        expect(received[0]!.text).toContain('We now keep usage records for 12 months, not 24.');
      }
      expect(smtp.to(restrictedUser.email).length).toBeGreaterThanOrEqual(1);
      expect(smtp.to(leaving.email)).toEqual([]);
    } finally {
      await smtp.close();
    }
  });
});

describe('policy versions — "the API shows who has seen it"', () => {
  it('policyVersionMarkSeen records my first view; admins see who has seen each version, with counts', async () => {
    const version = await publish();
    // All three accept `version` at sign-up; `newer` is then announced to them.
    const seer = cp.client();
    const seerUser = await signUpAndLogIn(seer);
    const reader = cp.client();
    const readerUser = await signUpAndLogIn(reader);
    const idle = cp.client();
    const idleUser = await signUpAndLogIn(idle);
    const newer = await publish();

    const seen = await reader.data(MARK_SEEN, { id: newer.id });
    expect(seen.policyVersionMarkSeen).toMatchObject({ policyVersion: { version: newer.version }, userErrors: [] });
    const again = await reader.data(MARK_SEEN, { id: newer.id });
    expect(again.policyVersionMarkSeen.seenAt).toBe(seen.policyVersionMarkSeen.seenAt);
    expect((await reader.data(PRIVACY_POLICY)).privacyPolicy.seenAt).toBe(seen.policyVersionMarkSeen.seenAt);
    expect((await idle.data(PRIVACY_POLICY)).privacyPolicy.seenAt).toBeNull();

    const { node } = await admin.data(AUDIENCE, { id: newer.id });
    const seenBy = node.seenBy.nodes as { account: { username: string }; seenAt: string; acceptedAt: string | null }[];
    expect(seenBy.map((v) => v.account.username)).toEqual([readerUser.username]);
    expect(seenBy[0]).toMatchObject({ seenAt: seen.policyVersionMarkSeen.seenAt, acceptedAt: null });
    const accountCount = await cp.db.fork().count(Account, { deletionRequestedAt: null });
    expect(node.audience).toMatchObject({ accountCount, seenCount: 1, acceptedAtSignUpCount: 0, notifiedCount: accountCount });
    expect(node.publishedBy).not.toBeNull();

    const earlier = (await admin.data(AUDIENCE, { id: version.id })).node;
    expect(earlier.seenBy.nodes.map((v: { account: { username: string } }) => v.account.username)).toEqual([idleUser.username, readerUser.username, seerUser.username]);
    expect(earlier.audience).toMatchObject({ seenCount: 3, acceptedAtSignUpCount: 3 });

    const list = (await admin.data(`query { policyVersions(first: 3) { nodes { version current } } }`)).policyVersions.nodes;
    expect(list[0]).toEqual({ version: newer.version, current: true });
    expect(list[1]).toEqual({ version: version.version, current: false });

    expect((await reader.data(MARK_SEEN, { id: 'garbage' })).policyVersionMarkSeen.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);
    // Who saw what is for admins only.
    const peek = await reader.request(AUDIENCE, { id: newer.id });
    expect(peek.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
