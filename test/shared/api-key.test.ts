import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  extractApiKey,
  generateApiKey,
  hashApiKey,
  parseApiKey,
  verifyApiKeyHash,
} from '../../shared/api-key.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = /^tbk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/;

// Independent bitwise CRC32 (IEEE, reflected), so the test does not trust the module's own.
function referenceCrc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function referenceBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, '0');
}

function withChecksum(body: string): string {
  return body + referenceBase62(referenceCrc32(body), 6);
}

describe('generateApiKey', () => {
  it('produces keys of the documented shape that parse back to their keyId', () => {
    for (let i = 0; i < 200; i++) {
      const generated = generateApiKey();
      expect(generated.key).toMatch(KEY_PATTERN);
      expect(generated.key.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(generated.keyId).toHaveLength(12);
      expect(generated.displayPrefix).toBe(`tbk_${generated.keyId}`);
      expect(generated.key.startsWith(generated.displayPrefix + '_')).toBe(true);
      expect(generated.lastFour).toBe(generated.key.slice(-4));
      expect(parseApiKey(generated.key)).toEqual({ keyId: generated.keyId });
    }
  });

  it('uses CRC32 of everything before the checksum, as 6 left-padded base62 digits', () => {
    const { key } = generateApiKey();
    expect(key).toBe(withChecksum(key.slice(0, -6)));
  });

  it('generates distinct keys and key ids', () => {
    const keys = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const generated = generateApiKey();
      keys.add(generated.key);
      ids.add(generated.keyId);
    }
    expect(keys.size).toBe(1000);
    expect(ids.size).toBe(1000);
  });

  it('carries at least 128 bits of secret', () => {
    const { key, keyId } = generateApiKey();
    const secret = key.slice(`tbk_${keyId}_`.length, -6);
    expect(secret).toHaveLength(32);
    expect(secret.length * Math.log2(62)).toBeGreaterThanOrEqual(128);
  });

  it('draws every base62 symbol with roughly equal frequency (no modulo bias)', () => {
    const counts = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 4000; i++) {
      const { key, keyId } = generateApiKey();
      for (const ch of keyId + key.slice(17, -6)) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
        total++;
      }
    }
    expect(counts.size).toBe(62);
    const expected = total / 62;
    // With modulo bias the first 8 symbols would be ~25% more frequent; allow ±10%.
    for (const count of counts.values()) {
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
    }
  });
});

describe('parseApiKey', () => {
  it('rejects every single-character substitution of a valid key', () => {
    for (let round = 0; round < 3; round++) {
      const { key } = generateApiKey();
      for (let i = 0; i < key.length; i++) {
        for (const replacement of BASE62) {
          if (replacement === key[i]) continue;
          const mutated = key.slice(0, i) + replacement + key.slice(i + 1);
          expect(parseApiKey(mutated), `position ${i} -> ${replacement}`).toBeNull();
        }
      }
    }
  });

  it('rejects truncated, extended and re-prefixed keys', () => {
    const { key } = generateApiKey();
    for (let length = 0; length < key.length; length++) expect(parseApiKey(key.slice(0, length))).toBeNull();
    expect(parseApiKey(key + 'a')).toBeNull();
    expect(parseApiKey(key + ' ')).toBeNull();
    expect(parseApiKey(' ' + key)).toBeNull();
    expect(parseApiKey('sk_' + key.slice(4))).toBeNull();
    expect(parseApiKey('tbx_' + key.slice(4))).toBeNull();
    expect(parseApiKey('TBK_' + key.slice(4))).toBeNull();
    expect(parseApiKey('sk-' + key.slice(3))).toBeNull();
  });

  it('rejects non-base62 characters even with a matching checksum', () => {
    const { keyId } = generateApiKey();
    const secret = 'a'.repeat(31);
    for (const bad of ['-', '_', '+', '/', '=', ' ', 'é', '\u0000', '😀'.slice(0, 1)]) {
      const forged = withChecksum(`tbk_${keyId}_${secret}${bad}`);
      expect(forged).toHaveLength(55);
      expect(parseApiKey(forged)).toBeNull();
    }
    const badId = withChecksum(`tbk_${keyId.slice(0, 11)}-_${'a'.repeat(32)}`);
    expect(parseApiKey(badId)).toBeNull();
  });

  it('rejects a wrong separator and checksum values above 2^32', () => {
    const { key } = generateApiKey();
    expect(parseApiKey(key.slice(0, 16) + 'x' + key.slice(17))).toBeNull();
    expect(parseApiKey(key.slice(0, -6) + 'zzzzzz')).toBeNull();
  });

  it('accepts any well-formed key with a correct checksum (it is not a signature)', () => {
    const key = withChecksum(`tbk_${'A'.repeat(12)}_${'b'.repeat(32)}`);
    expect(parseApiKey(key)).toEqual({ keyId: 'AAAAAAAAAAAA' });
  });

  it('returns null for non-string input from untyped callers', () => {
    expect(parseApiKey(undefined as unknown as string)).toBeNull();
    expect(parseApiKey(42 as unknown as string)).toBeNull();
  });
});

describe('hashApiKey / verifyApiKeyHash', () => {
  const pepper = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');

  it('is HMAC-SHA256 of the key keyed with the pepper', () => {
    const { key } = generateApiKey();
    const expected = createHmac('sha256', pepper).update(key).digest();
    const actual = hashApiKey(key, pepper);
    expect(actual).toHaveLength(32);
    expect(actual.equals(expected)).toBe(true);
    expect(hashApiKey(key, pepper.toString('utf8')).equals(expected)).toBe(true);
  });

  it('matches a known HMAC-SHA256 vector (RFC 4231 test case 2)', () => {
    expect(hashApiKey('what do ya want for nothing?', 'Jefe').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('depends on the pepper and on the key', () => {
    const { key } = generateApiKey();
    const other = generateApiKey().key;
    expect(hashApiKey(key, pepper).equals(hashApiKey(key, 'another pepper'))).toBe(false);
    expect(hashApiKey(key, pepper).equals(hashApiKey(other, pepper))).toBe(false);
  });

  it('rejects an empty pepper', () => {
    expect(() => hashApiKey('tbk_x', '')).toThrow(TypeError);
    expect(() => hashApiKey('tbk_x', Buffer.alloc(0))).toThrow(TypeError);
  });

  it('verifies only the right key, pepper and digest', () => {
    const { key } = generateApiKey();
    const stored = hashApiKey(key, pepper);
    expect(verifyApiKeyHash(key, pepper, stored)).toBe(true);
    expect(verifyApiKeyHash(key, pepper, new Uint8Array(stored))).toBe(true);
    expect(verifyApiKeyHash(generateApiKey().key, pepper, stored)).toBe(false);
    expect(verifyApiKeyHash(key, 'wrong pepper', stored)).toBe(false);
    expect(verifyApiKeyHash(key, pepper, stored.subarray(0, 31))).toBe(false);
    expect(verifyApiKeyHash(key, pepper, Buffer.alloc(0))).toBe(false);
    expect(verifyApiKeyHash(key, pepper, Buffer.concat([stored, Buffer.from([0])]))).toBe(false);
  });
});

describe('extractApiKey', () => {
  const key = 'tbk_AAAAAAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb000000';

  it('reads a Bearer token with any scheme case and surrounding whitespace', () => {
    expect(extractApiKey({ authorization: `Bearer ${key}` })).toBe(key);
    expect(extractApiKey({ authorization: `bearer ${key}` })).toBe(key);
    expect(extractApiKey({ authorization: `BEARER   ${key}  ` })).toBe(key);
    expect(extractApiKey({ authorization: `  Bearer\t${key}` })).toBe(key);
  });

  it('reads x-api-key and x-goog-api-key', () => {
    expect(extractApiKey({ 'x-api-key': key })).toBe(key);
    expect(extractApiKey({ 'x-api-key': ` ${key} ` })).toBe(key);
    expect(extractApiKey({ 'x-goog-api-key': key })).toBe(key);
  });

  it('prefers Authorization, then x-api-key, then x-goog-api-key', () => {
    expect(extractApiKey({ authorization: 'Bearer a', 'x-api-key': 'b', 'x-goog-api-key': 'c' })).toBe('a');
    expect(extractApiKey({ 'x-api-key': 'b', 'x-goog-api-key': 'c' })).toBe('b');
    expect(extractApiKey({ authorization: null, 'x-api-key': null, 'x-goog-api-key': 'c' })).toBe('c');
  });

  it('ignores non-Bearer or empty Authorization and falls back to the other headers', () => {
    expect(extractApiKey({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': key })).toBe(key);
    expect(extractApiKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull();
    expect(extractApiKey({ authorization: 'Bearer' })).toBeNull();
    expect(extractApiKey({ authorization: 'Bearer    ' })).toBeNull();
    expect(extractApiKey({ authorization: `Bearer${key}` })).toBeNull();
    expect(extractApiKey({ authorization: key })).toBeNull();
  });

  it('returns null when nothing usable is present', () => {
    expect(extractApiKey({})).toBeNull();
    expect(extractApiKey({ authorization: '', 'x-api-key': '   ', 'x-goog-api-key': null })).toBeNull();
  });
});

describe('pepperKey', () => {
  it('hashes exactly like the raw pepper it was made from', async () => {
    const { hashApiKey, pepperKey, generateApiKey } = await import('../../shared/api-key.js');
    const { key } = generateApiKey();
    expect(hashApiKey(key, pepperKey('a pepper of some length'))).toEqual(hashApiKey(key, 'a pepper of some length'));
    expect(hashApiKey(key, pepperKey(Buffer.from('other')))).not.toEqual(hashApiKey(key, 'a pepper of some length'));
  });
});
