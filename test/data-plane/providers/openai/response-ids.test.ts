// Client-facing response ids: bound to one account and one credential, unforgeable without the
// pepper, short and URL-safe; everything else is "not found" (null).
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BOUND_ID_PREFIX, bindResponseId, deriveResponseIdKey, unbindResponseId } from '../../../../data-plane/providers/openai/response-ids.js';

const key = deriveResponseIdKey(Buffer.from('pepper one', 'utf8'));
const account = randomUUID();
const other = randomUUID();
const credentialId = randomUUID();
const upstreamId = `resp_${randomBytes(25).toString('hex')}`;
const ref = { upstreamId, credentialId };

/** `id` with one character of the part at `index` (after the prefix) changed. */
function flip(id: string, index: number): string {
  const at = BOUND_ID_PREFIX.length + index;
  const swapped = id[at] === 'A' ? 'B' : 'A';
  return id.slice(0, at) + swapped + id.slice(at + 1);
}

describe('response ids', () => {
  it('round-trips for the account it was bound to, short and URL-safe', () => {
    const id = bindResponseId(key, account, ref);
    expect(id.startsWith(BOUND_ID_PREFIX)).toBe(true);
    expect(id).toMatch(/^resp_tb[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(encodeURIComponent(id)).toBe(id);
    // A UUID credential and OpenAI's 50-hex-digit id pack into 45 bytes: the whole id stays under 100 characters.
    expect(id.length).toBeLessThan(100);
    expect(unbindResponseId(key, account, id)).toEqual(ref);
    // Deterministic: the same response always gets the same id.
    expect(bindResponseId(key, account, ref)).toBe(id);
  });

  it('round-trips ids that do not pack: the environment credential, other id shapes', () => {
    for (const odd of [
      { upstreamId: 'resp_abc', credentialId: 'env' },
      { upstreamId: 'resp_ABCdef0123456789', credentialId: 'cred-primary' },
      { upstreamId: 'resp_0123456789abcdef0', credentialId: 'Ümlaut' },
    ]) {
      expect(unbindResponseId(key, account, bindResponseId(key, account, odd))).toEqual(odd);
    }
  });

  it('refuses the id for another account', () => {
    expect(unbindResponseId(key, other, bindResponseId(key, account, ref))).toBeNull();
  });

  it('refuses an id whose credential or upstream id was swapped, even with a valid-looking MAC', () => {
    const id = bindResponseId(key, account, ref);
    const [, mac] = id.split('.');
    const otherCredential = bindResponseId(key, account, { upstreamId, credentialId: randomUUID() }).split('.')[0];
    const otherUpstream = bindResponseId(key, account, { upstreamId: `resp_${randomBytes(25).toString('hex')}`, credentialId }).split('.')[0];
    expect(unbindResponseId(key, account, `${otherCredential}.${mac}`)).toBeNull();
    expect(unbindResponseId(key, account, `${otherUpstream}.${mac}`)).toBeNull();
  });

  it('refuses a tampered MAC or payload, and ids made with another key', () => {
    const id = bindResponseId(key, account, ref);
    const dot = id.indexOf('.') - BOUND_ID_PREFIX.length;
    expect(unbindResponseId(key, account, flip(id, dot + 5))).toBeNull();
    expect(unbindResponseId(key, account, flip(id, 10))).toBeNull();
    expect(unbindResponseId(key, account, id.slice(0, -1))).toBeNull();
    const otherKey = deriveResponseIdKey(Buffer.from('pepper two', 'utf8'));
    expect(unbindResponseId(otherKey, account, id)).toBeNull();
  });

  it('refuses malformed ids and raw upstream ids without throwing', () => {
    const id = bindResponseId(key, account, ref);
    const [payload, mac] = id.split('.') as [string, string];
    for (const bad of [
      '',
      upstreamId,
      'resp_tb',
      'resp_tb.',
      `${payload}`,
      `${payload}.`,
      `.${mac}`,
      `${payload}.${mac}.`,
      `${payload}=.${mac}`,
      `${payload}.${mac}==`,
      `${payload}!.${mac}`,
      `resp_tb${Buffer.from('not a payload').toString('base64url')}.${mac}`,
      `resp_tb${Buffer.of(1, 9, 9).toString('base64url')}.${mac}`,
      `resp_tb${Buffer.of(1, 0, 200, 1).toString('base64url')}.${mac}`,
      ` ${id}`,
      `${id} `,
      id.toUpperCase(),
    ]) {
      expect(unbindResponseId(key, account, bad), bad).toBeNull();
    }
  });

  it('refuses a second spelling of a valid payload (a raw field where the packed one belongs)', () => {
    const id = bindResponseId(key, account, { upstreamId, credentialId: 'env' });
    const [, mac] = id.split('.');
    const raw = (text: string): Buffer => Buffer.concat([Buffer.of(0, Buffer.byteLength(text)), Buffer.from(text)]);
    const unpacked = Buffer.concat([Buffer.of(1), raw('env'), raw(upstreamId)]).toString('base64url');
    expect(unbindResponseId(key, account, `resp_tb${unpacked}.${mac}`)).toBeNull();
  });

  it('refuses an empty pepper', () => {
    expect(() => deriveResponseIdKey(Buffer.alloc(0))).toThrow(TypeError);
  });
});
