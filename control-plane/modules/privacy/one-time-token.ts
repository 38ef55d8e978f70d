import { createHash, randomBytes } from 'node:crypto';

/**
 * Prefixes of the one-time tokens the privacy rights hand out: an email verification
 * code and a data-export download token. A fixed prefix lets secret scanners spot
 * them, and lets {@link redactOneTimeTokens} find them in text that must not carry them.
 */
export const TokenPrefix = { EMAIL_VERIFICATION: 'tbev_', EXPORT_DOWNLOAD: 'tbdl_' } as const;
export type TokenPrefix = (typeof TokenPrefix)[keyof typeof TokenPrefix];

const TOKEN = /^tb(?:ev|dl)_[A-Za-z0-9_-]{43}$/;
const ANY_TOKEN = /tb(?:ev|dl)_[A-Za-z0-9_-]{43}/g;

/** A fresh random token (256 bits) and the SHA-256 that is all the database keeps of it. */
export function newOneTimeToken(prefix: TokenPrefix): { token: string; hash: string } {
  const token = `${prefix}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashOneTimeToken(token) };
}

/** SHA-256 is enough: the token has 256 random bits, there is nothing to brute-force. */
export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a string has the shape of one of our tokens with this prefix (cheap check before a lookup). */
export function isOneTimeToken(value: string, prefix: TokenPrefix): boolean {
  return value.startsWith(prefix) && TOKEN.test(value);
}

/**
 * Replaces every one-time token in a text: an email that carried a verification code
 * may be shown in a privacy report or written to an export, the code may not.
 */
export function redactOneTimeTokens(text: string): string {
  return text.replace(ANY_TOKEN, '[one-time code removed]');
}
