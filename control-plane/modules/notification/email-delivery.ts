import { createTransport } from 'nodemailer';
import type { Logger } from '../../../shared/logger.js';
import type { ControlPlaneConfig } from '../../config.js';
import type { Em } from '../../db/orm.js';
import { EmailStatus } from './notification.entity.js';

export type EmailConfig = ControlPlaneConfig['email'];

/** What one delivery run did. */
export interface DeliveryReport {
  /** No SMTP server configured: every email stays PENDING in the outbox. */
  kept: boolean;
  sent: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Emails given up for good in this run. */
  failed: number;
  /** The SMTP server could not be reached: nothing was claimed, nothing counted as an attempt. */
  unreachable: boolean;
}

export interface DeliveryOptions {
  batchSize?: number;
  /** Batches per run at most, so that one run ends and the next instance gets a turn. */
  maxBatches?: number;
  now?: () => Date;
}

/** How long a claimed email is left alone by other instances while it is being sent. */
export const CLAIM_LEASE_MS = 10 * 60_000;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 60 * 60_000;

/** The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

interface ClaimedEmail {
  id: string;
  to_address: string;
  subject: string;
  body: string;
  attempts: number;
}

/**
 * Sends the due PENDING emails of the outbox over SMTP and records the outcome. Safe
 * on several instances at once: rows are claimed with `for update skip locked` and
 * leased (next_attempt_at) before any is sent, so no two instances send the same
 * email. Delivery is at least once: an instance that dies between the server's "250"
 * and the SENT mark sends that email again after the lease; the Message-ID stays
 * the same, so mail clients show it once. Never logs an email's body.
 */
export async function deliverPendingEmails(em: Em, config: EmailConfig, logger: Logger, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const report: DeliveryReport = { kept: false, sent: 0, retrying: 0, failed: 0, unreachable: false };
  const now = options.now ?? (() => new Date());
  if (!config.smtp) return { ...report, kept: true };
  const batchSize = options.batchSize ?? 50;
  if (!(await anyDue(em, now()))) return report;

  const { smtp } = config;
  const transport = createTransport({
    url: smtp.url,
    pool: true,
    maxConnections: 1,
    requireTLS: smtp.requireTls,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  try {
    try {
      await transport.verify();
    } catch (error) {
      // An outage is not the emails' fault: they keep their attempts and wait.
      logger.warn({ error: describeError(error) }, 'SMTP server unreachable; emails stay in the outbox');
      return { ...report, unreachable: true };
    }
    const domain = messageIdDomain(smtp.from);
    for (let batch = 0; batch < (options.maxBatches ?? 20); batch++) {
      const claimed = await claim(em, batchSize, now());
      for (const email of claimed) {
        try {
          await transport.sendMail({
            from: smtp.from,
            to: email.to_address,
            subject: email.subject,
            text: email.body,
            messageId: `<${email.id}@${domain}>`,
          });
          await markSent(em, email.id, now());
          report.sent += 1;
        } catch (error) {
          const permanent = isPermanent(error);
          const givenUp = permanent || email.attempts >= config.maxAttempts;
          await markFailedAttempt(em, email, describeError(error), givenUp ? null : new Date(now().getTime() + retryDelayMs(email.attempts)));
          if (givenUp) report.failed += 1;
          else report.retrying += 1;
          logger.warn(
            { emailId: email.id, attempts: email.attempts, givenUp, error: describeError(error) },
            givenUp ? 'email delivery failed for good' : 'email delivery failed; will retry',
          );
        }
      }
      if (claimed.length < batchSize) break;
    }
  } finally {
    transport.close();
  }
  if (report.sent + report.failed + report.retrying > 0) logger.info({ ...report }, 'emails delivered');
  return report;
}

async function anyDue(em: Em, now: Date): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from email_outbox where status = ? and (next_attempt_at is null or next_attempt_at <= ?::timestamptz) limit 1`,
      [EmailStatus.PENDING, now.toISOString()],
    );
  return rows.length > 0;
}

/** Claims up to `limit` due emails: counts the attempt and leases them in one statement. */
async function claim(em: Em, limit: number, now: Date): Promise<ClaimedEmail[]> {
  const rows = await em.getConnection().execute<ClaimedEmail[]>(
    `with due as (
       select id from email_outbox
       where status = ? and (next_attempt_at is null or next_attempt_at <= ?::timestamptz)
       order by created_at, id
       limit ?
       for update skip locked)
     update email_outbox e set attempts = e.attempts + 1, next_attempt_at = ?::timestamptz
     from due where e.id = due.id
     returning e.id, e.to_address, e.subject, e.body, e.attempts`,
    [EmailStatus.PENDING, now.toISOString(), limit, new Date(now.getTime() + CLAIM_LEASE_MS).toISOString()],
  );
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
}

async function markSent(em: Em, id: string, now: Date): Promise<void> {
  await em
    .getConnection()
    .execute(`update email_outbox set status = ?, sent_at = ?::timestamptz, next_attempt_at = null, last_error = null where id = ?`, [
      EmailStatus.SENT,
      now.toISOString(),
      id,
    ]);
}

/** Records a failed attempt: due again at `retryAt`, or FAILED when that is null. */
async function markFailedAttempt(em: Em, email: ClaimedEmail, error: string, retryAt: Date | null): Promise<void> {
  await em
    .getConnection()
    .execute(`update email_outbox set status = ?, last_error = ?, next_attempt_at = ?::timestamptz where id = ?`, [
      retryAt ? EmailStatus.PENDING : EmailStatus.FAILED,
      error.slice(0, 500),
      retryAt?.toISOString() ?? null,
      email.id,
    ]);
}

/** The server refused this message or recipient for good (5xx); retrying cannot help. */
function isPermanent(error: unknown): boolean {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  return (code === 'EENVELOPE' || code === 'EMESSAGE') && typeof responseCode === 'number' && responseCode >= 500;
}

/**
 * The error as the mail server and nodemailer described it: a code and a message,
 * never the error object itself (its fields may carry the message being sent).
 */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.replace(/\s+/g, ' ').slice(0, 500);
}

/** The sender's domain, for Message-IDs that stay the same when an email is sent again. */
function messageIdDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim() || 'tokenbyte.invalid';
}
