import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../../control-plane/config.js';
import { openDatabase, type Database } from '../../../control-plane/db/orm.js';
import { deliverEmailJob } from '../../../control-plane/jobs/deliver-email.js';
import { jobs } from '../../../control-plane/jobs/index.js';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { deliverPendingEmails, type EmailConfig } from '../../../control-plane/modules/notification/email-delivery.js';
import { EmailStatus, NotificationTopic, OutboxEmail } from '../../../control-plane/modules/notification/notification.entity.js';
import { notify } from '../../../control-plane/modules/notification/notify.js';
import { createLogger } from '../../../shared/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { newUser, SIGN_UP, signUpAndLogIn } from '../../helpers/graphql-client.js';
import { TEST_API_KEY_PEPPER, TEST_UPSTREAM_CREDENTIALS_KEY } from '../../helpers/test-env.js';
import { startTestSmtpServer } from './smtp-server.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

const FROM = 'TokenByte <no-reply@tokenbyte.test>';
const silent = createLogger({ level: 'silent', name: 'test' });

function emailConfig(env: Record<string, string>): EmailConfig {
  return controlPlaneConfigFrom({ NODE_ENV: 'test', ...env }).email;
}

/** A logger whose JSON lines are kept, to prove what is (not) logged. */
function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'trace', name: 'test', destination: { write: (line: string) => void lines.push(line) } }) };
}

/** A fresh account and `count` emails queued for it, each carrying a unique marker in its body. */
async function queueEmails(count: number) {
  const user = newUser();
  const signUp = await cp.client().data(SIGN_UP, { input: user });
  expect(signUp.signUp.userErrors).toEqual([]);
  const em = cp.db.fork();
  const account = await em.findOneOrFail(Account, { usernameCanonical: user.username.toLowerCase() });
  const markers = Array.from({ length: count }, (_, i) => `body-marker-${user.username}-${i}`);
  for (const [i, marker] of markers.entries()) {
    notify(em, account, { topic: NotificationTopic.PRODUCT_NEWS, title: `Message ${i}`, body: `Hello. ${marker}` });
  }
  await em.flush();
  const emails = await em.find(OutboxEmail, { account }, { orderBy: { id: 'asc' } });
  return { user, markers, ids: emails.map((e) => e.id) };
}

const outboxRow = (id: string) => cp.db.fork().findOneOrFail(OutboxEmail, { id });

describe('§2 "Sending service notifications, security alerts, and technical updates" — emails over SMTP', () => {
  it('the deliver-email job sends a security alert to a real SMTP server (with AUTH): from SMTP_FROM, to the account, subject and text intact; then SENT, never twice', async () => {
    const smtp = await startTestSmtpServer();
    try {
      const client = cp.client();
      const user = await signUpAndLogIn(client);
      await client.data(`mutation($input: PasswordChangeInput!) { passwordChange(input: $input) { userErrors { code } } }`, {
        input: { currentPassword: user.password, newPassword: 'a different passphrase' },
      });
      const [queued] = await cp.db.fork().find(OutboxEmail, { toAddress: user.email });
      expect(queued).toMatchObject({ status: 'PENDING', attempts: 0 });

      expect(jobs).toContain(deliverEmailJob);
      expect(deliverEmailJob.everyMs).toBeLessThanOrEqual(5_000);
      const config = { ...cp.config, email: emailConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM }) };
      await deliverEmailJob.run({ db: cp.db, config, logger: silent });

      const [mail, ...more] = smtp.to(user.email);
      expect(more).toEqual([]);
      expect(mail!.envelopeFrom).toBe('no-reply@tokenbyte.test');
      expect(mail!.headers).toMatchObject({ from: FROM, to: user.email, subject: 'Your TokenByte password was changed' });
      expect(mail!.headers['message-id']).toBe(`<${queued!.id}@tokenbyte.test>`);
      expect(mail!.text).toBe(queued!.body);
      expect(mail!.text).toContain('Your password was changed');

      const sent = await outboxRow(queued!.id);
      expect(sent).toMatchObject({ status: EmailStatus.SENT, attempts: 1, lastError: null, nextAttemptAt: null });
      expect(Date.now() - sent.sentAt!.getTime()).toBeLessThan(60_000);

      await deliverEmailJob.run({ db: cp.db, config, logger: silent });
      expect(smtp.to(user.email)).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('keeps emails in the outbox (PENDING, no attempt) while SMTP is not configured', async () => {
    const { ids } = await queueEmails(2);
    const config = emailConfig({});
    expect(config.smtp).toBeNull();
    const report = await deliverPendingEmails(cp.db.fork(), config, silent);
    expect(report).toMatchObject({ kept: true, sent: 0 });
    for (const id of ids) expect(await outboxRow(id)).toMatchObject({ status: EmailStatus.PENDING, attempts: 0, sentAt: null });
  });

  it('validates the SMTP settings: both or neither, an smtp(s) URL, an address to send from; TLS required by default in production', () => {
    expect(() => emailConfig({ SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/SMTP_FROM/);
    expect(() => emailConfig({ SMTP_FROM: FROM })).toThrow(/SMTP_FROM/);
    expect(() => emailConfig({ SMTP_URL: 'http://mail.example.com', SMTP_FROM: FROM })).toThrow(/SMTP_URL/);
    expect(() => emailConfig({ SMTP_URL: 'smtp://127.0.0.1:25', SMTP_FROM: 'not an address' })).toThrow(/SMTP_FROM/);
    expect(() => emailConfig({ EMAIL_MAX_ATTEMPTS: '0' })).toThrow(/EMAIL_MAX_ATTEMPTS/);
    expect(emailConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', SMTP_FROM: 'ops@example.com' }).smtp).toEqual({
      url: 'smtps://u:p@mail.example.com:465',
      from: 'ops@example.com',
      requireTls: false,
    });
    const production = controlPlaneConfigFrom({
      NODE_ENV: 'production',
      API_KEY_PEPPER: TEST_API_KEY_PEPPER,
      UPSTREAM_CREDENTIALS_KEY: TEST_UPSTREAM_CREDENTIALS_KEY,
      SMTP_URL: 'smtp://mail.example.com:587',
      SMTP_FROM: FROM,
    });
    expect(production.email.smtp?.requireTls).toBe(true);
  });

  it('§4 "All data transmission is encrypted using TLS" — with SMTP_REQUIRE_TLS, a server that offers no TLS gets no email; it stays in the outbox', async () => {
    const smtp = await startTestSmtpServer();
    try {
      const { user, ids } = await queueEmails(1);
      const report = await deliverPendingEmails(cp.db.fork(), emailConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM, SMTP_REQUIRE_TLS: 'true' }), silent);
      expect(report).toMatchObject({ unreachable: true, sent: 0 });
      expect(smtp.to(user.email)).toEqual([]);
      expect(await outboxRow(ids[0]!)).toMatchObject({ status: EmailStatus.PENDING, attempts: 0 });
    } finally {
      await smtp.close();
    }
  });

  it('an unreachable SMTP server costs no attempt: the emails wait in the outbox and go out once it is back', async () => {
    const down = await startTestSmtpServer();
    await down.close();
    const { user, ids } = await queueEmails(2);
    const report = await deliverPendingEmails(cp.db.fork(), emailConfig({ SMTP_URL: down.url, SMTP_FROM: FROM }), silent);
    expect(report).toMatchObject({ unreachable: true, sent: 0 });
    for (const id of ids) expect(await outboxRow(id)).toMatchObject({ status: EmailStatus.PENDING, attempts: 0 });

    const up = await startTestSmtpServer();
    try {
      await deliverPendingEmails(cp.db.fork(), emailConfig({ SMTP_URL: up.url, SMTP_FROM: FROM }), silent);
      expect(up.to(user.email)).toHaveLength(2);
      for (const id of ids) expect(await outboxRow(id)).toMatchObject({ status: EmailStatus.SENT, attempts: 1 });
    } finally {
      await up.close();
    }
  });

  it('a refused email is retried with back-off, then FAILED after EMAIL_MAX_ATTEMPTS with the server\'s answer as last_error; its body is never logged', async () => {
    const { user, markers, ids } = await queueEmails(1);
    const smtp = await startTestSmtpServer({ refuseRecipient: (address) => (address === user.email ? 451 : null) });
    const { lines, logger } = capturingLogger();
    const config = emailConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM, EMAIL_MAX_ATTEMPTS: '3' });
    const id = ids[0]!;
    try {
      const start = Date.now();
      await deliverPendingEmails(cp.db.fork(), config, logger);
      const first = await outboxRow(id);
      expect(first).toMatchObject({ status: EmailStatus.PENDING, attempts: 1 });
      expect(first.lastError).toMatch(/451/);
      expect(first.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(start + 25_000);

      // Not due yet: a run now leaves it alone.
      await deliverPendingEmails(cp.db.fork(), config, logger);
      expect((await outboxRow(id)).attempts).toBe(1);

      await deliverPendingEmails(cp.db.fork(), config, logger, { now: () => new Date(Date.now() + 3_600_000) });
      expect(await outboxRow(id)).toMatchObject({ status: EmailStatus.PENDING, attempts: 2 });
      await deliverPendingEmails(cp.db.fork(), config, logger, { now: () => new Date(Date.now() + 3 * 3_600_000) });
      const failed = await outboxRow(id);
      expect(failed).toMatchObject({ status: EmailStatus.FAILED, attempts: 3, nextAttemptAt: null, sentAt: null });
      expect(failed.lastError).toMatch(/451/);
      expect(failed.lastError).not.toContain(markers[0]);

      // FAILED is final.
      await deliverPendingEmails(cp.db.fork(), config, logger, { now: () => new Date(Date.now() + 24 * 3_600_000) });
      expect((await outboxRow(id)).attempts).toBe(3);
      expect(smtp.to(user.email)).toEqual([]);

      expect(lines.some((l) => l.includes(id) && l.includes('email delivery failed for good'))).toBe(true);
      expect(lines.join('\n')).not.toContain(markers[0]);
      expect(lines.join('\n')).not.toContain('secret');
    } finally {
      await smtp.close();
    }
  });

  it('a recipient refused for good (550) is FAILED at once, while the other emails of the batch go out', async () => {
    const refused = await queueEmails(1);
    const accepted = await queueEmails(1);
    const smtp = await startTestSmtpServer({ refuseRecipient: (address) => (address === refused.user.email ? 550 : null) });
    try {
      const report = await deliverPendingEmails(cp.db.fork(), emailConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM }), silent);
      expect(report.failed).toBeGreaterThanOrEqual(1);
      const row = await outboxRow(refused.ids[0]!);
      expect(row).toMatchObject({ status: EmailStatus.FAILED, attempts: 1 });
      expect(row.lastError).toMatch(/550/);
      expect(smtp.to(accepted.user.email)).toHaveLength(1);
      expect(await outboxRow(accepted.ids[0]!)).toMatchObject({ status: EmailStatus.SENT });
    } finally {
      await smtp.close();
    }
  });

  it('several control-plane instances delivering at once send every email exactly once', async () => {
    const { user, ids } = await queueEmails(24);
    const smtp = await startTestSmtpServer();
    // A server database gets a second, independent connection pool (another instance);
    // the embedded one has a single connection, so its "instances" interleave on it.
    const other: Database = cp.db.kind === 'postgres' ? await openDatabase(cp.config.database, silent) : cp.db;
    try {
      const config = emailConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM });
      await Promise.all(
        [cp.db, other, cp.db, other].map((db) => deliverPendingEmails(db.fork(), config, silent, { batchSize: 3 })),
      );
      const received = smtp.to(user.email);
      expect(received).toHaveLength(24);
      expect(new Set(received.map((m) => m.headers['message-id'])).size).toBe(24);
      const rows = await cp.db.fork().find(OutboxEmail, { id: { $in: ids } });
      expect(rows.every((r) => r.status === EmailStatus.SENT && r.attempts === 1)).toBe(true);
    } finally {
      if (other !== cp.db) await other.close();
      await smtp.close();
    }
  });
});
