import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readOrCreateDataDirSecret } from './data-dir-secret.js';

/** The providers TokenByte holds credentials for, as stored in `upstream_credential.provider`. */
export const UPSTREAM_PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export type UpstreamProviderName = (typeof UPSTREAM_PROVIDERS)[number];

/** Where a generated key is kept in the data folder when UPSTREAM_CREDENTIALS_KEY is not set. */
export const CREDENTIALS_KEY_FILE = 'upstream-credentials-key';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Whether `value` names one of the {@link UPSTREAM_PROVIDERS}. */
export function isUpstreamProvider(value: string): value is UpstreamProviderName {
  return (UPSTREAM_PROVIDERS as readonly string[]).includes(value);
}

/** A sealed credential that cannot be opened: wrong key, tampered, another row's, or not a sealed value. */
export class SealedCredentialError extends Error {
  readonly code = 'UPSTREAM_CREDENTIAL_UNREADABLE';
}

/**
 * Encrypts a provider secret with AES-256-GCM; the credential id is bound as additional
 * authenticated data, so a ciphertext copied to another row does not decrypt.
 * The result is `v1.<iv>.<ciphertext>.<tag>` (base64url parts), with a fresh random
 * 12-byte IV per call: two seals of one secret differ. `v1` names this format and key
 * generation, leaving room for a key rotation.
 */
export function sealCredential(secret: string, key: Buffer, credentialId: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(credentialId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/**
 * Inverse of sealCredential; throws a {@link SealedCredentialError} on a wrong key, a
 * tampered value, or another row's ciphertext. The error never carries the value.
 */
export function openCredential(sealed: string, key: Buffer, credentialId: string): string {
  checkKey(key);
  const [version, ...encoded] = sealed.split('.');
  const [iv, ciphertext, tag] = encoded.map((part) => (BASE64URL.test(part) ? Buffer.from(part, 'base64url') : null));
  if (version !== VERSION || encoded.length !== 3 || !iv || !ciphertext || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SealedCredentialError(`not a ${VERSION} sealed credential`);
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(credentialId, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SealedCredentialError('the sealed credential does not open with this key and id (wrong key, altered, or another credential\'s)', { cause: error });
  }
}

/**
 * Reads a configured key: 64 hex characters, or base64 (standard or URL alphabet,
 * padding optional) of exactly 32 bytes. Null for anything else.
 */
export function parseCredentialsKey(value: string): Buffer | null {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const unpadded = text.replace(/=$/, '').replaceAll('+', '-').replaceAll('/', '_');
  const key = Buffer.from(unpadded, 'base64url');
  // 43 characters carry two spare bits: accept only the canonical spelling of the 32 bytes.
  return key.length === KEY_BYTES && key.toString('base64url') === unpadded ? key : null;
}

/**
 * The 32-byte encryption key: from UPSTREAM_CREDENTIALS_KEY when set (64 hex chars, or
 * base64 of 32 bytes), else generated once into `<dataDir>/upstream-credentials-key`
 * (mode 0600) and reused, like the API-key pepper. Every plane must use the same key;
 * losing it makes every stored credential unreadable.
 */
export function resolveCredentialsKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) {
    const key = parseCredentialsKey(configured);
    if (!key) throw new TypeError('UPSTREAM_CREDENTIALS_KEY must be 64 hex characters or the base64 of 32 bytes');
    return key;
  }
  return readOrCreateDataDirSecret(dataDir, CREDENTIALS_KEY_FILE);
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new TypeError(`an upstream credentials key is ${KEY_BYTES} bytes, not ${key.length}`);
}
