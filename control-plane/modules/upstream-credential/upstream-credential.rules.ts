import type { Problem } from '../account/account.service.js';

export const MAX_NAME_LENGTH = 128;
export const MAX_SECRET_LENGTH = 4096;
export const MAX_BASE_URL_LENGTH = 2048;
export const MAX_WEIGHT = 1000;
/** Per provider: every data-plane holds all of them, and a rotation needs a few, not thousands. */
export const MAX_CREDENTIALS_PER_PROVIDER = 100;

// A secret travels in an HTTP header: visible ASCII only, so it cannot split or fold one.
const SECRET = /^[\x21-\x7e]+$/;
// C0 and C1 control characters: a name is shown in consoles and logs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function invalid(field: string, message: string): Problem {
  return { field: ['input', field], code: 'INVALID', message };
}

export function taken(): Problem {
  return { field: ['input', 'name'], code: 'TAKEN', message: 'This provider has a credential of this name already.' };
}

export function notFound(): Problem {
  return { field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such upstream credential.' };
}

/** The name as stored (trimmed), or a problem. */
export function checkName(raw: string): { name: string } | Problem {
  const name = raw.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || CONTROL.test(name)) {
    return invalid('name', `The name is 1–${MAX_NAME_LENGTH} characters, without control characters.`);
  }
  return { name };
}

/**
 * The secret as stored (surrounding whitespace, as pasted, trimmed), or a problem. The
 * problem never repeats the secret.
 */
export function checkSecret(raw: string): { secret: string } | Problem {
  const secret = raw.trim();
  if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH || !SECRET.test(secret)) {
    return invalid('secret', `The secret is 1–${MAX_SECRET_LENGTH} printable ASCII characters without spaces.`);
  }
  return { secret };
}

/**
 * What may be shown of a secret: its last four characters, but never more than a
 * quarter of it (a 6-character test key shows one).
 */
export function lastFourOf(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  return secret.slice(secret.length - shown);
}

/**
 * The base URL as stored, null for none (null or blank), or a problem: an absolute
 * http(s) URL without user name, password, query or fragment, which the data-plane
 * puts the provider's paths after.
 */
export function checkBaseUrl(raw: string | null | undefined): { baseUrl: string | null } | Problem {
  const text = raw?.trim() ?? '';
  if (text === '') return { baseUrl: null };
  const problem = invalid('baseUrl', 'The base URL is an absolute http:// or https:// URL without user name, password, query or fragment.');
  if (text.length > MAX_BASE_URL_LENGTH || !/^https?:\/\/[^\s]+$/i.test(text) || text.includes('?') || text.includes('#')) return problem;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return problem;
  }
  if (url.username !== '' || url.password !== '' || url.hostname === '') return problem;
  return { baseUrl: text };
}

export function checkWeight(weight: number): Problem | null {
  return Number.isInteger(weight) && weight >= 0 && weight <= MAX_WEIGHT
    ? null
    : invalid('weight', `The weight is a whole number from 0 (standby: used only when every weighted credential failed) to ${MAX_WEIGHT}.`);
}

/** Narrows the result of a check* function. */
export function isProblem(value: object): value is Problem {
  return 'code' in value && 'message' in value;
}
