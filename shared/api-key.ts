import { createHmac, createSecretKey, KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Every TokenByte key starts with this. A distinctive, fixed prefix lets secret
 * scanners (GitHub push protection, gitleaks, ...) recognise leaked keys.
 */
export const API_KEY_PREFIX = 'tbk_';

// Key layout: tbk_<keyId:12>_<secret:32><checksum:6>, all base62.
// Base62 keeps the key a single "word" that double-click selects and URLs, shells
// and headers carry without escaping.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 12;
// 32 × log2(62) ≈ 190.5 bits, comfortably above the 128-bit floor.
const SECRET_LENGTH = 32;
// 62^6 ≈ 5.7e10 > 2^32, so six digits hold any CRC32 value.
const CHECKSUM_LENGTH = 6;
const SEPARATOR_CODE = 0x5f; // '_'

const KEY_ID_START = API_KEY_PREFIX.length;
const SEPARATOR_INDEX = KEY_ID_START + KEY_ID_LENGTH;
const SECRET_START = SEPARATOR_INDEX + 1;
const CHECKSUM_START = SECRET_START + SECRET_LENGTH;
const KEY_LENGTH = CHECKSUM_START + CHECKSUM_LENGTH;

const DISPLAY_SUFFIX_LENGTH = 4;

// Lookup table instead of a regex: parseApiKey runs on every proxied request, and a
// fixed-length loop over char codes has no backtracking and allocates nothing.
const BASE62_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) BASE62_VALUE[BASE62.charCodeAt(i)] = i;

// Largest multiple of 62 that fits in a byte; bytes at or above it are discarded so
// that `byte % 62` is uniform (plain modulo would favour the first 8 symbols).
const REJECTION_LIMIT = 256 - (256 % BASE62.length);

/** What {@link generateApiKey} returns: the key itself is shown to the user once and never stored. */
export interface GeneratedApiKey {
  /** The full secret key, e.g. `tbk_<keyId>_<secret><checksum>`. */
  key: string;
  /** Public identifier used to look the key up; not secret. */
  keyId: string;
  /** `tbk_<keyId>`, safe to show in the UI and logs. */
  displayPrefix: string;
  /** Last four characters of the key (checksum digits), safe to show in the UI. */
  lastFour: string;
}

/** Result of a successful {@link parseApiKey}. */
export interface ParsedApiKey {
  keyId: string;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Over-request a little so that one batch almost always suffices despite rejections.
    const bytes = randomBytes(length - out.length + 8);
    for (const byte of bytes) {
      if (byte >= REJECTION_LIMIT) continue;
      out += BASE62[byte % BASE62.length];
      if (out.length === length) break;
    }
  }
  return out;
}

function encodeChecksum(value: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[rest % BASE62.length] + out;
    rest = Math.floor(rest / BASE62.length);
  }
  return out;
}

/**
 * Creates a new random API key of the form `tbk_<keyId>_<secret><checksum>`.
 *
 * The checksum (CRC32 of everything before it) lets the gateway reject typos and
 * random guesses without a database round-trip; it is not a signature, since anyone
 * can compute it, so authentication still rests on the stored HMAC of the key.
 *
 * @returns the key (show once, then discard), its public id and display fragments.
 */
export function generateApiKey(existingKeyId?: string): GeneratedApiKey {
  // Rotation keeps the key id (the row's public handle) and draws a new secret.
  const keyId = existingKeyId ?? randomBase62(KEY_ID_LENGTH);
  const body = `${API_KEY_PREFIX}${keyId}_${randomBase62(SECRET_LENGTH)}`;
  const key = body + encodeChecksum(crc32(body));
  return {
    key,
    keyId,
    displayPrefix: `${API_KEY_PREFIX}${keyId}`,
    lastFour: key.slice(-DISPLAY_SUFFIX_LENGTH),
  };
}

function isBase62Run(raw: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (code >= 128 || (BASE62_VALUE[code] ?? -1) < 0) return false;
  }
  return true;
}

/**
 * Checks a presented key's shape and checksum, cheaply enough for every request.
 *
 * A non-null result only means the key is well-formed; the caller must still look
 * up `keyId` and compare the stored hash with {@link verifyApiKeyHash}.
 *
 * @param raw the key as presented by the client.
 * @returns the key id, or null if the key is malformed or its checksum is wrong.
 */
export function parseApiKey(raw: string): ParsedApiKey | null {
  // typeof guard: header values come from untyped input at the edge.
  if (typeof raw !== 'string' || raw.length !== KEY_LENGTH) return null;
  if (!raw.startsWith(API_KEY_PREFIX)) return null;
  if (raw.charCodeAt(SEPARATOR_INDEX) !== SEPARATOR_CODE) return null;
  if (!isBase62Run(raw, KEY_ID_START, SEPARATOR_INDEX)) return null;
  if (!isBase62Run(raw, SECRET_START, KEY_LENGTH)) return null;

  let checksum = 0;
  for (let i = CHECKSUM_START; i < KEY_LENGTH; i++) {
    // Already validated as base62 above, so the lookup is never -1.
    checksum = checksum * BASE62.length + (BASE62_VALUE[raw.charCodeAt(i)] ?? 0);
  }
  if (checksum !== crc32(raw.slice(0, CHECKSUM_START))) return null;

  return { keyId: raw.slice(KEY_ID_START, SEPARATOR_INDEX) };
}

/**
 * Computes the value stored for a key: HMAC-SHA256 keyed with a server-side pepper.
 *
 * A keyed hash (rather than a bare SHA-256) means a leaked database alone is not
 * enough to test candidate keys offline; a slow KDF is unnecessary because the key
 * already carries ~190 bits of entropy.
 *
 * @param key the full API key.
 * @param pepper server-side secret; must not be empty.
 * @returns the 32-byte digest.
 */
export function hashApiKey(key: string, pepper: Buffer | string | KeyObject): Buffer {
  // An empty pepper silently degrades to an unkeyed hash, which is a misconfiguration.
  const size = pepper instanceof KeyObject ? (pepper.symmetricKeySize ?? 0) : pepper.length;
  if (size === 0) throw new TypeError('hashApiKey: pepper must not be empty');
  return createHmac('sha256', pepper).update(key, 'utf8').digest();
}

/**
 * The pepper as a reusable key object. Hot paths hash with this: given a Buffer,
 * `createHmac` builds a key object on every call (about 14 µs against 3 µs here).
 */
export function pepperKey(pepper: Buffer | string): KeyObject {
  return createSecretKey(typeof pepper === 'string' ? Buffer.from(pepper, 'utf8') : pepper);
}

/**
 * Compares a presented key with a stored hash in constant time.
 *
 * @param key the full API key presented by the client.
 * @param pepper the same pepper that produced `expected`.
 * @param expected the stored digest (a Buffer, or the Uint8Array some drivers return for bytea).
 * @returns true if the key hashes to `expected`.
 */
export function verifyApiKeyHash(key: string, pepper: Buffer | string, expected: Uint8Array): boolean {
  const actual = hashApiKey(key, pepper);
  // timingSafeEqual throws on a length mismatch; a wrong-length digest is simply not a match.
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** Request headers that may carry an API key, lower-cased as Node delivers them. */
export interface ApiKeyHeaders {
  authorization?: string | null;
  'x-api-key'?: string | null;
  'x-goog-api-key'?: string | null;
}

function bearerToken(header: string): string | null {
  const value = header.trim();
  // RFC 9110: the auth scheme is case-insensitive and followed by whitespace.
  if (value.length <= 7 || value.slice(0, 6).toLowerCase() !== 'bearer') return null;
  const gap = value.charCodeAt(6);
  if (gap !== 0x20 && gap !== 0x09) return null;
  const token = value.slice(7).trim();
  return token.length > 0 ? token : null;
}

function plainToken(header: string | null | undefined): string | null {
  if (typeof header !== 'string') return null;
  const token = header.trim();
  return token.length > 0 ? token : null;
}

/**
 * Finds the API key in a request, accepting the header each provider SDK sends:
 * `Authorization: Bearer` (OpenAI), `x-api-key` (Anthropic), `x-goog-api-key` (Gemini).
 *
 * The key is not validated here; pass the result to {@link parseApiKey}.
 *
 * @param headers the request headers (lower-case names).
 * @returns the trimmed key, or null if no header carries one.
 */
export function extractApiKey(headers: ApiKeyHeaders): string | null {
  const authorization = headers.authorization;
  // A non-Bearer Authorization header (e.g. Basic from a proxy) must not hide a key sent in
  // the provider-specific headers, so fall through instead of failing.
  const fromAuthorization = typeof authorization === 'string' ? bearerToken(authorization) : null;
  return fromAuthorization ?? plainToken(headers['x-api-key']) ?? plainToken(headers['x-goog-api-key']);
}
