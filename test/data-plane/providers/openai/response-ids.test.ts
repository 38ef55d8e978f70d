// Client-facing response ids: bound to one account and one credential, unforgeable without the
// pepper, short and URL-safe; everything else is "not found" (null).
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BOUND_ID_PREFIX, bindItemId, bindResponseId, deriveBoundIdKeys, unbindItemId, unbindResponseId } from '../../../../data-plane/providers/openai/response-ids.js';

const key = deriveBoundIdKeys(Buffer.from('pepper one', 'utf8')).response;
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
    const otherKey = deriveBoundIdKeys(Buffer.from('pepper two', 'utf8')).response;
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
    expect(() => deriveBoundIdKeys(Buffer.alloc(0))).toThrow(TypeError);
  });
});

describe('item ids', () => {
  const keys = deriveBoundIdKeys(Buffer.from('pepper one', 'utf8'));
  const message = { upstreamId: `msg_${randomBytes(25).toString('hex')}`, credentialId };
  const reasoning = { upstreamId: `rs_${randomBytes(25).toString('hex')}`, credentialId };

  it('keep the type prefix of the item, round-trip for the account they were bound to, and stay URL-safe', () => {
    for (const item of [message, reasoning, { upstreamId: `mcpr_${randomBytes(25).toString('hex')}`, credentialId: 'env' }]) {
      const id = bindItemId(keys.item, account, item);
      const prefix = item.upstreamId.split('_')[0]!;
      expect(id).toMatch(new RegExp(`^${prefix}_tb[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$`));
      expect(encodeURIComponent(id)).toBe(id);
      expect(unbindItemId(keys.item, account, id)).toEqual(item);
      expect(unbindItemId(keys.item, other, id)).toBeNull();
    }
  });

  it('are signed with their own key: a response id is no item id, an item id no response id', () => {
    const responseId = bindResponseId(keys.response, account, ref);
    expect(unbindItemId(keys.item, account, responseId)).toBeNull();
    // An item id signed with the response key, as if both kinds shared one, is refused too.
    expect(unbindItemId(keys.item, account, bindItemId(keys.response, account, message))).toBeNull();
    const itemId = bindItemId(keys.item, account, { upstreamId: `resp_${randomBytes(25).toString('hex')}`, credentialId });
    expect(unbindResponseId(keys.response, account, itemId)).toBeNull();
  });

  it('refuse a prefix that is not the item\'s, tampering, raw upstream ids and malformed ids', () => {
    const id = bindItemId(keys.item, account, message);
    const relabelled = `rs${id.slice('msg'.length)}`;
    expect(unbindItemId(keys.item, account, relabelled)).toBeNull();
    const [payload, mac] = id.split('.') as [string, string];
    for (const bad of [message.upstreamId, 'msg_tb', `${payload}.`, `${payload}.${mac}x`, `x${id}`, `Msg${id.slice(3)}`, `_tb${id.slice(6)}`, id.replace('_tb', '_tc')]) {
      expect(unbindItemId(keys.item, account, bad), bad).toBeNull();
    }
    expect(() => bindItemId(keys.item, account, { upstreamId: 'nounderscore', credentialId })).toThrow(RangeError);
  });
});
