import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { recordSecurityEvent, type RequestMeta } from '../security-event/security-event.service.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import { acceptCurrentPolicy } from '../policy/policy.service.js';
import { SecurityEvent, SecurityEventType } from '../security-event/security-event.entity.js';
import type { LoginThrottle } from '../security-event/login-throttle.js';
import type { SessionService } from '../session/session.service.js';
import type { Session } from '../session/session.entity.js';
import { Account, Role } from './account.entity.js';
import { burnPasswordCheck, checkPassword, hashPassword, PASSWORD_PROBLEM_MESSAGES, verifyPassword } from './password.js';

/** A business failure, returned (not thrown) and shown to the caller as a userError. */
export interface Problem {
  field: string[] | null;
  message: string;
  code: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** The username rule of sign-up, also applied when it is corrected. */
export const USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{1,30}[A-Za-z0-9])$/;
// Deliberately simple: one @, a dot in the domain, no spaces. Real validation is
// the verification mail (issue 5); this only catches typos.
/** The email rule of sign-up, also applied when it is corrected. */
export const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function canonicalUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
}

export interface AccountServiceDeps {
  sessions: SessionService;
  throttle: LoginThrottle;
}

export function createAccountService({ sessions, throttle }: AccountServiceDeps) {
  return {
    async signUp(em: Em, input: SignUpInput, meta: RequestMeta): Promise<Result<Account>> {
      const username = input.username.trim();
      const email = input.email.trim();
      const problems: Problem[] = [];
      if (!USERNAME.test(username)) {
        problems.push({
          field: ['input', 'username'],
          code: 'INVALID',
          message: 'Username must be 3–32 characters: letters, digits, "_", "." or "-", starting and ending with a letter or digit.',
        });
      }
      if (email.length > 254 || !EMAIL.test(email)) {
        problems.push({ field: ['input', 'email'], code: 'INVALID', message: 'Enter a valid email address.' });
      }
      const weak = checkPassword(input.password, { username, email });
      if (weak) problems.push({ field: ['input', 'password'], code: `PASSWORD_${weak}`, message: PASSWORD_PROBLEM_MESSAGES[weak] });
      if (problems.length > 0) return { ok: false, problems };

      const taken = await em.find(Account, {
        $or: [{ usernameCanonical: canonicalUsername(username) }, { emailCanonical: canonicalEmail(email) }],
      });
      const conflicts = takenProblems(taken, username, email);
      if (conflicts.length > 0) return { ok: false, problems: conflicts };

      const account = em.create(Account, {
        username,
        usernameCanonical: canonicalUsername(username),
        email,
        emailCanonical: canonicalEmail(email),
        passwordHash: await hashPassword(input.password),
        role: Role.USER,
      });
      recordSecurityEvent(em, account, SecurityEventType.SIGN_UP, meta);
      // Signing up accepts the privacy policy in force (policy §8); the version is recorded with the account.
      await acceptCurrentPolicy(em, account);
      try {
        await em.flush();
      } catch (error) {
        // Two sign-ups raced past the check above; the unique index decided.
        if (error instanceof UniqueConstraintViolationException) {
          em.clear();
          const now = await em.find(Account, {
            $or: [{ usernameCanonical: canonicalUsername(username) }, { emailCanonical: canonicalEmail(email) }],
          });
          return { ok: false, problems: takenProblems(now, username, email) };
        }
        throw error;
      }
      return { ok: true, value: account };
    },

    /** Checks a login; the same answer whether the account is missing or the password wrong. */
    async logIn(em: Em, login: string, password: string, meta: RequestMeta): Promise<Result<{ account: Account; token: string; session: Session }>> {
      const ip = meta.ip ?? 'unknown';
      if (await throttle.isThrottled(em, login, ip)) {
        const account = await findByLogin(em, login);
        if (account) recordSecurityEvent(em, account, SecurityEventType.LOGIN_THROTTLED, meta);
        await em.flush();
        return {
          ok: false,
          problems: [{ field: null, code: 'TOO_MANY_ATTEMPTS', message: 'Too many failed login attempts. Try again later.' }],
        };
      }
      const account = await findByLogin(em, login);
      const check = account ? await verifyPassword(account.passwordHash, password) : (await burnPasswordCheck(password), null);
      // An account whose deletion was requested is gone for its owner: it answers exactly
      // like a wrong password, so that nobody learns a deletion is pending.
      if (!account || !check?.ok || account.deletionRequestedAt) {
        throttle.recordFailure(em, login, ip);
        if (account) recordSecurityEvent(em, account, SecurityEventType.LOGIN_FAILURE, meta);
        await em.flush();
        return { ok: false, problems: [{ field: null, code: 'INVALID_CREDENTIALS', message: 'Wrong login or password.' }] };
      }
      // Only someone who knows the password learns of a suspension: the owner is told why
      // they cannot get in (and whom to ask) instead of resetting a password that is right.
      if (account.suspendedAt) {
        return {
          ok: false,
          problems: [{ field: null, code: 'ACCOUNT_SUSPENDED', message: 'This account is suspended. Contact support@tokenbyte.ai.' }],
        };
      }
      if (check.needsRehash) account.passwordHash = await hashPassword(password);
      await throttle.clear(em, login);
      await alertIfNewDevice(em, account, meta);
      const { token, session } = sessions.create(em, account, meta);
      recordSecurityEvent(em, account, SecurityEventType.LOGIN_SUCCESS, meta);
      await em.flush();
      return { ok: true, value: { account, token, session } };
    },

    async logOut(em: Em, session: Session, meta: RequestMeta): Promise<void> {
      sessions.revoke(session);
      recordSecurityEvent(em, session.account, SecurityEventType.LOGOUT, meta);
      await em.flush();
    },

    /** Changes the password and ends every other session of the account. */
    async changePassword(em: Em, session: Session, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<Result<Account>> {
      const account = session.account;
      const check = await verifyPassword(account.passwordHash, currentPassword);
      if (!check.ok) {
        return { ok: false, problems: [{ field: ['input', 'currentPassword'], code: 'INVALID_CREDENTIALS', message: 'Current password is wrong.' }] };
      }
      const weak = checkPassword(newPassword, account);
      if (weak) {
        return { ok: false, problems: [{ field: ['input', 'newPassword'], code: `PASSWORD_${weak}`, message: PASSWORD_PROBLEM_MESSAGES[weak] }] };
      }
      account.passwordHash = await hashPassword(newPassword);
      await sessions.revokeOthers(em, account, session);
      recordSecurityEvent(em, account, SecurityEventType.PASSWORD_CHANGE, meta);
      notify(em, account, {
        topic: NotificationTopic.PASSWORD_CHANGED,
        title: 'Your TokenByte password was changed',
        body: `Your password was changed${where(meta)}, and every other session was logged out. If this was not you, reset your password and contact support@tokenbyte.ai.`,
      });
      await em.flush();
      return { ok: true, value: account };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

/** Describes where a request came from, for a security alert. */
export function where(meta: RequestMeta): string {
  return meta.ip ? ` from IP ${meta.ip}${meta.userAgent ? ` (${meta.userAgent.slice(0, 120)})` : ''}` : '';
}

/**
 * A login from an IP and user agent never seen in this account's earlier logins is
 * announced. The very first login (right after sign-up) is not.
 */
async function alertIfNewDevice(em: Em, account: Account, meta: RequestMeta): Promise<void> {
  const earlier = await em.find(SecurityEvent, { account, type: SecurityEventType.LOGIN_SUCCESS }, { fields: ['ip', 'userAgent'], limit: 1000 });
  if (earlier.length === 0 || earlier.some((e) => e.ip === meta.ip && e.userAgent === (meta.userAgent?.slice(0, 512) ?? null))) return;
  notify(em, account, {
    topic: NotificationTopic.LOGIN_NEW_DEVICE,
    title: 'New login to your TokenByte account',
    body: `Someone logged in to your account${where(meta)}. If this was not you, change your password and revoke the session from your session list.`,
  });
}

/** Finds an account by username or email, both case-insensitively. */
export function findByLogin(em: Em, login: string): Promise<Account | null> {
  const trimmed = login.trim();
  if (trimmed.length === 0 || trimmed.length > 254) return Promise.resolve(null);
  return trimmed.includes('@')
    ? em.findOne(Account, { emailCanonical: canonicalEmail(trimmed) })
    : em.findOne(Account, { usernameCanonical: canonicalUsername(trimmed) });
}

function takenProblems(taken: Account[], username: string, email: string): Problem[] {
  const problems: Problem[] = [];
  if (taken.some((a) => a.usernameCanonical === canonicalUsername(username))) {
    problems.push({ field: ['input', 'username'], code: 'TAKEN', message: 'This username is taken.' });
  }
  if (taken.some((a) => a.emailCanonical === canonicalEmail(email))) {
    problems.push({ field: ['input', 'email'], code: 'TAKEN', message: 'An account with this email already exists.' });
  }
  return problems;
}
