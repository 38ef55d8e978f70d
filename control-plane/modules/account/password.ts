import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * OWASP's minimum for argon2id (m=19 MiB, t=2, p=1). Raising these makes every
 * existing hash "need rehash", and it is upgraded at that account's next login.
 */
export const ARGON2_PARAMS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// The most common leaked passwords (zxcvbn's list), lower-cased for a case-insensitive match.
const COMMON_PASSWORDS = new Set(
  (dictionary['passwords-common'] as string[]).filter((p) => p.length >= PASSWORD_MIN_LENGTH).map((p) => p.toLowerCase()),
);

export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'TOO_COMMON' | 'CONTAINS_IDENTITY';

/**
 * NIST SP 800-63B rules: length 8–128, no composition rules, but reject passwords
 * that are commonly used or that are just the account's own username or email.
 */
export function checkPassword(password: string, identity: { username?: string; email?: string } = {}): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'TOO_SHORT';
  if (length > PASSWORD_MAX_LENGTH) return 'TOO_LONG';
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'TOO_COMMON';
  const local = identity.email?.split('@')[0]?.toLowerCase();
  if (lower === identity.username?.toLowerCase() || lower === identity.email?.toLowerCase() || lower === local) {
    return 'CONTAINS_IDENTITY';
  }
  return null;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  TOO_SHORT: `Password must be at least ${PASSWORD_MIN_LENGTH} characters.`,
  TOO_LONG: `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`,
  TOO_COMMON: 'This password is too common; choose another.',
  CONTAINS_IDENTITY: 'Password must not be your username or email.',
};

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_PARAMS);
}

/** Verifies a password; `needsRehash` is true when the hash predates the current parameters. */
export async function verifyPassword(hash: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  const ok = await argon2.verify(hash, password);
  return { ok, needsRehash: ok && argon2.needsRehash(hash, ARGON2_PARAMS) };
}

// A real hash of a random password, verified against when the login names no
// account, so that "no such account" costs the same time as "wrong password".
let decoyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  await argon2.verify(await decoyHash, password);
}
