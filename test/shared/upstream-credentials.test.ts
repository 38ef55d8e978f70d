import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { controlPlaneConfigFrom } from '../../control-plane/config.js';
import { newId } from '../../shared/ids.js';
import { PEPPER_FILE, resolvePepper } from '../../shared/pepper.js';
import {
  CREDENTIALS_KEY_FILE,
  openCredential,
  parseCredentialsKey,
  resolveCredentialsKey,
  SealedCredentialError,
  sealCredential,
} from '../../shared/upstream-credentials.js';

const key = randomBytes(32);
const id = newId();
const SECRET = 'sk-proj-Abc123_the-real-provider-key-XYZ9';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenbyte-keys-'));
  dirs.push(dir);
  return dir;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same 32 bytes in base64url with a spare bit of the last character set (decoders ignore it). */
function nonCanonical(bytes: Buffer): string {
  const text = bytes.toString('base64url');
  const last = BASE64URL_ALPHABET.indexOf(text.at(-1)!);
  return text.slice(0, -1) + BASE64URL_ALPHABET[last ^ 1];
}

/** The sealed value with one bit of one of its base64url parts flipped. */
function flipBit(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealCredential / openCredential', () => {
  it('round-trips a secret, non-ASCII included, in the v1.<iv>.<ciphertext>.<tag> format with a 12-byte IV and a 16-byte tag', () => {
    for (const secret of [SECRET, 'x', 'ключ-🔑-with-unicode', 'a'.repeat(4096)]) {
      const sealed = sealCredential(secret, key, id);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      // A one-character secret turns up in random base64 by chance; a real one never should.
      if (secret.length >= 8) expect(sealed).not.toContain(secret);
      expect(openCredential(sealed, key, id)).toBe(secret);
    }
  });

  it('seals the same secret differently every time (a fresh random IV)', () => {
    const first = sealCredential(SECRET, key, id);
    const second = sealCredential(SECRET, key, id);
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
    expect(openCredential(second, key, id)).toBe(SECRET);
  });

  it('does not open with another key', () => {
    const sealed = sealCredential(SECRET, key, id);
    expect(() => openCredential(sealed, randomBytes(32), id)).toThrow(SealedCredentialError);
  });

  it('does not open for another credential id: a ciphertext copied to another row is refused', () => {
    const sealed = sealCredential(SECRET, key, id);
    expect(() => openCredential(sealed, key, newId())).toThrow(SealedCredentialError);
  });

  it('does not open once one bit of the IV, the ciphertext or the tag changed', () => {
    const sealed = sealCredential(SECRET, key, id);
    for (const part of [1, 2, 3] as const) expect(() => openCredential(flipBit(sealed, part), key, id), `part ${part}`).toThrow(SealedCredentialError);
  });

  it('refuses what is not a v1 sealed value, and the error never repeats the value', () => {
    const sealed = sealCredential(SECRET, key, id);
    const [, iv, ciphertext, tag] = sealed.split('.');
    const malformed = ['', SECRET, `v2.${iv}.${ciphertext}.${tag}`, `v1.${iv}.${ciphertext}`, `${sealed}.x`, `v1.${iv}.${ciphertext}.${tag}!`, `v1.AAAA.${ciphertext}.${tag}`, `v1.${iv}.${ciphertext}.AAAA`];
    for (const value of malformed) {
      let error: unknown;
      try {
        openCredential(value, key, id);
      } catch (caught) {
        error = caught;
      }
      expect(error, value).toBeInstanceOf(SealedCredentialError);
      expect(String((error as Error).message)).not.toContain(SECRET);
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => sealCredential(SECRET, randomBytes(16), id)).toThrow(/32 bytes/);
    expect(() => openCredential(sealCredential(SECRET, key, id), key.subarray(0, 31), id)).toThrow(/32 bytes/);
  });
});

describe('the credentials key', () => {
  it('is read from UPSTREAM_CREDENTIALS_KEY as 64 hex characters or as base64 of 32 bytes (standard or URL alphabet)', async () => {
    const dir = await tempDir();
    expect(resolveCredentialsKey(key.toString('hex'), dir).equals(key)).toBe(true);
    expect(resolveCredentialsKey(key.toString('hex').toUpperCase(), dir).equals(key)).toBe(true);
    expect(resolveCredentialsKey(key.toString('base64'), dir).equals(key)).toBe(true);
    expect(resolveCredentialsKey(key.toString('base64url'), dir).equals(key)).toBe(true);
    // A configured key writes nothing into the data folder.
    await expect(stat(path.join(dir, CREDENTIALS_KEY_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses anything else, in the config (without echoing the value) and when resolved', () => {
    // Node's decoder reads the non-canonical spelling as the same key: only the parser's own check refuses it.
    expect(Buffer.from(nonCanonical(key), 'base64url').equals(key)).toBe(true);
    const bad = [
      'not a key',
      key.toString('hex').slice(1),
      `${key.toString('hex')}00`,
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      `${key.toString('hex').slice(0, 63)}g`,
      nonCanonical(key),
    ];
    for (const value of bad) {
      expect(parseCredentialsKey(value), value).toBeNull();
      expect(() => resolveCredentialsKey(value, os.tmpdir()), value).toThrow(/UPSTREAM_CREDENTIALS_KEY/);
      let message = '';
      try {
        controlPlaneConfigFrom({ UPSTREAM_CREDENTIALS_KEY: value });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, value).toMatch(/UPSTREAM_CREDENTIALS_KEY: must be 64 hex characters or the base64 of 32 bytes/);
      expect(message).not.toContain(value);
    }
    expect(controlPlaneConfigFrom({ UPSTREAM_CREDENTIALS_KEY: key.toString('base64') }).upstreamCredentialsKey).toBe(key.toString('base64'));
  });

  it('is required in production', () => {
    expect(() => controlPlaneConfigFrom({ NODE_ENV: 'production', API_KEY_PEPPER: 'p'.repeat(32) })).toThrow(/UPSTREAM_CREDENTIALS_KEY: is required in production/);
    expect(controlPlaneConfigFrom({ NODE_ENV: 'production', API_KEY_PEPPER: 'p'.repeat(32), UPSTREAM_CREDENTIALS_KEY: key.toString('hex') }).production).toBe(true);
  });

  it('without UPSTREAM_CREDENTIALS_KEY, is generated once into <dataDir>/upstream-credentials-key (mode 0600) and reused', async () => {
    const dataDir = path.join(await tempDir(), 'not', 'yet', 'there');
    const first = resolveCredentialsKey(undefined, dataDir);
    expect(first.length).toBe(32);
    const file = path.join(dataDir, CREDENTIALS_KEY_FILE);
    expect(await readFile(file, 'utf8')).toBe(first.toString('hex'));
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(resolveCredentialsKey(undefined, dataDir).equals(first)).toBe(true);
    expect(resolveCredentialsKey('', dataDir).equals(first)).toBe(true);
    // Sealed with the generated key, opened after a "restart".
    expect(openCredential(sealCredential(SECRET, first, id), resolveCredentialsKey(undefined, dataDir), id)).toBe(SECRET);
    // Only the key file is left: no temporary file behind.
    expect((await readdir(dataDir)).sort()).toEqual([CREDENTIALS_KEY_FILE]);
  });

  it('shares one data-folder helper with the API-key pepper: separate files, separate secrets, both reused', async () => {
    const dataDir = await tempDir();
    const credentialsKey = resolveCredentialsKey(undefined, dataDir);
    const pepper = resolvePepper(undefined, dataDir);
    expect(pepper.length).toBe(32);
    expect(pepper.equals(credentialsKey)).toBe(false);
    expect(resolvePepper(undefined, dataDir).equals(pepper)).toBe(true);
    expect(await readFile(path.join(dataDir, PEPPER_FILE), 'utf8')).toBe(pepper.toString('hex'));
    if (process.platform !== 'win32') expect((await stat(path.join(dataDir, PEPPER_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file instead of replacing it (what it sealed would be lost)', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, CREDENTIALS_KEY_FILE), 'abc123');
    expect(() => resolveCredentialsKey(undefined, dataDir)).toThrow(/does not hold 64 hex characters/);
    expect(await readFile(path.join(dataDir, CREDENTIALS_KEY_FILE), 'utf8')).toBe('abc123');
  });
});
