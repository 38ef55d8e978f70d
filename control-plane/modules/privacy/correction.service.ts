import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { Account } from '../account/account.entity.js';
import { canonicalEmail, canonicalUsername, EMAIL, USERNAME, where, type Problem, type Result } from '../account/account.service.js';
import { verifyPassword } from '../account/password.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import { SecurityEventType } from '../security-event/security-event.entity.js';
import { recordSecurityEvent, type RequestMeta } from '../security-event/security-event.service.js';
import { hashOneTimeToken, isOneTimeToken, newOneTimeToken, TokenPrefix } from './one-time-token.js';
import { EmailChange } from './privacy.entity.js';

/** How long the code mailed to a new address works. */
export const EMAIL_VERIFICATION_TTL_MS = 24 * 3_600_000;

const USERNAME_TAKEN: Problem = { field: ['input', 'username'], code: 'TAKEN', message: 'This username is taken.' };
const EMAIL_TAKEN: Problem = { field: ['input', 'newEmail'], code: 'TAKEN', message: 'An account with this email already exists.' };
const CODE_INVALID: Problem = {
  field: ['input', 'token'],
  code: 'INVALID',
  message: 'This code is not valid: it may have been used already, or replaced by a newer email change.',
};

/** Correction (policy §6): a new username applies at once, unless it breaks the rules or is taken. */
export async function changeUsername(em: Em, account: Account, requested: string, meta: RequestMeta): Promise<Result<Account>> {
  const username = requested.trim();
  if (!USERNAME.test(username)) {
    return {
      ok: false,
      problems: [
        {
          field: ['input', 'username'],
          code: 'INVALID',
          message: 'Username must be 3–32 characters: letters, digits, "_", "." or "-", starting and ending with a letter or digit.',
        },
      ],
    };
  }
  if (username === account.username) return { ok: true, value: account };
  const canonical = canonicalUsername(username);
  const holder = await em.findOne(Account, { usernameCanonical: canonical });
  if (holder && holder.id !== account.id) return { ok: false, problems: [USERNAME_TAKEN] };
  account.username = username;
  account.usernameCanonical = canonical;
  recordSecurityEvent(em, account, SecurityEventType.USERNAME_CHANGE, meta);
  return (await flushUnlessTaken(em, USERNAME_TAKEN)) ?? { ok: true, value: account };
}

export interface EmailChangeRequest {
  newEmail: string;
  currentPassword: string;
}

/**
 * Correction of the email address: the new address gets a one-time code and replaces
 * the old one only once the code comes back ({@link verifyEmailChange}); the old
 * address is told. A case-only correction is the same mailbox and applies at once.
 */
export async function requestEmailChange(
  em: Em,
  account: Account,
  request: EmailChangeRequest,
  meta: RequestMeta,
  now = new Date(),
): Promise<Result<{ account: Account; pending: EmailChange | null }>> {
  if (!(await verifyPassword(account.passwordHash, request.currentPassword)).ok) {
    return { ok: false, problems: [{ field: ['input', 'currentPassword'], code: 'INVALID_CREDENTIALS', message: 'Current password is wrong.' }] };
  }
  const newEmail = request.newEmail.trim();
  if (newEmail.length > 254 || !EMAIL.test(newEmail)) {
    return { ok: false, problems: [{ field: ['input', 'newEmail'], code: 'INVALID', message: 'Enter a valid email address.' }] };
  }
  const canonical = canonicalEmail(newEmail);
  if (newEmail === account.email) {
    return { ok: false, problems: [{ field: ['input', 'newEmail'], code: 'UNCHANGED', message: 'This is already your email address.' }] };
  }
  if (canonical === account.emailCanonical) {
    account.email = newEmail;
    recordSecurityEvent(em, account, SecurityEventType.EMAIL_CHANGE, meta);
    await em.flush();
    return { ok: true, value: { account, pending: null } };
  }
  if (await em.findOne(Account, { emailCanonical: canonical })) return { ok: false, problems: [EMAIL_TAKEN] };

  // One pending change at a time: a newer request makes the older code worthless.
  await em.nativeDelete(EmailChange, { account });
  const { token, hash } = newOneTimeToken(TokenPrefix.EMAIL_VERIFICATION);
  const pending = em.create(EmailChange, {
    account,
    newEmail,
    newEmailCanonical: canonical,
    tokenHash: hash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + EMAIL_VERIFICATION_TTL_MS),
  });
  em.persist(pending);
  const feed = notify(em, account, {
    topic: NotificationTopic.EMAIL_VERIFICATION,
    title: 'Confirm your new TokenByte email address',
    body:
      `Someone asked to use this address for a TokenByte account. To confirm it, enter this one-time code in TokenByte while logged in ` +
      `(it works once, for 24 hours):\n\n${token}\n\nIf this was not you, ignore this email: nothing changes.`,
    emailTo: newEmail,
  });
  // The code proves control of the new mailbox, so it goes there only: the feed, which
  // the logged-in session reads, gets the same news without it.
  if (feed) feed.body = `We sent a one-time code to ${newEmail}. Your email address changes once you enter it (within 24 hours).`;
  notify(em, account, {
    topic: NotificationTopic.EMAIL_VERIFICATION,
    title: 'Your TokenByte email address is about to change',
    body:
      `A change of your account's email address to ${newEmail} was asked for${where(meta)}. It takes effect once the new address is confirmed. ` +
      'If this was not you, change your password now and contact support@tokenbyte.ai.',
  });
  recordSecurityEvent(em, account, SecurityEventType.EMAIL_CHANGE_REQUEST, meta);
  await em.flush();
  return { ok: true, value: { account, pending } };
}

/** Applies a pending email change whose code came back, if the address is still free. */
export async function verifyEmailChange(em: Em, account: Account, token: string, meta: RequestMeta, now = new Date()): Promise<Result<Account>> {
  const candidate = token.trim();
  if (!isOneTimeToken(candidate, TokenPrefix.EMAIL_VERIFICATION)) return { ok: false, problems: [CODE_INVALID] };
  const pending = await em.findOne(EmailChange, { tokenHash: hashOneTimeToken(candidate), account });
  if (!pending) return { ok: false, problems: [CODE_INVALID] };
  if (pending.expiresAt <= now) {
    em.remove(pending);
    await em.flush();
    return { ok: false, problems: [{ field: ['input', 'token'], code: 'EXPIRED', message: 'This code has expired. Ask for the email change again.' }] };
  }
  // Someone may have taken the address since the code was sent.
  const holder = await em.findOne(Account, { emailCanonical: pending.newEmailCanonical });
  if (holder && holder.id !== account.id) {
    em.remove(pending);
    await em.flush();
    return { ok: false, problems: [{ ...EMAIL_TAKEN, field: ['input', 'token'] }] };
  }
  const oldEmail = account.email;
  account.email = pending.newEmail;
  account.emailCanonical = pending.newEmailCanonical;
  em.remove(pending);
  recordSecurityEvent(em, account, SecurityEventType.EMAIL_CHANGE, meta);
  notify(em, account, {
    topic: NotificationTopic.EMAIL_VERIFICATION,
    title: 'Your TokenByte email address was changed',
    body: `Your account's email address was changed from ${oldEmail} to ${account.email}${where(meta)}. If this was not you, contact support@tokenbyte.ai at once.`,
    emailTo: oldEmail,
  });
  return (await flushUnlessTaken(em, { ...EMAIL_TAKEN, field: ['input', 'token'] })) ?? { ok: true, value: account };
}

/** Flushes; when a unique index refuses the change (a race the checks above lost), reports `problem`. */
async function flushUnlessTaken(em: Em, problem: Problem): Promise<{ ok: false; problems: Problem[] } | null> {
  try {
    await em.flush();
    return null;
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    em.clear();
    return { ok: false, problems: [problem] };
  }
}

/** Deletes the email changes whose code expired: an unconfirmed address is not kept. */
export function pruneEmailChanges(em: Em, now = new Date()): Promise<number> {
  return em.nativeDelete(EmailChange, { expiresAt: { $lte: now } });
}
