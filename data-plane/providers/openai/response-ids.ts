import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The ids of OpenAI's stored objects as TokenByte's clients see them. OpenAI stores every
 * response (`resp_…`) and every output item of it (`msg_…`, `rs_…`, `fc_…` …) under our
 * organisation, so its ids would be shared by all our accounts: a response id continues a
 * conversation, an item id pulls that item into any request's context. A follow-up must
 * also reach the organisation (the credential) that stored it. A client-facing id therefore
 * names the upstream id and the credential, and carries a MAC over both and the caller's
 * account: another account's id, or a forged one, is simply not found. Stateless, so any
 * data-plane instance can check any id.
 *
 * Response: `resp_tb` + base64url(payload) + `.` + base64url(first 16 bytes of
 * HMAC-SHA256(K, accountId \0 credentialId \0 upstreamId)).
 * Item: the same after the upstream id's own type prefix, `msg_tb…`, `rs_tb…`, so that
 * clients (and OpenAI's own input validation) that go by the prefix keep working.
 * K is derived from the API-key pepper, with one label for response ids and another for
 * item ids: an id of one kind is never accepted as the other.
 */
export const BOUND_ID_PREFIX = 'resp_tb';

/** What a client-facing id stands for: an object OpenAI stored under one of our credentials. */
export interface UpstreamRef {
  upstreamId: string;
  credentialId: string;
}

/** The keys client-facing ids are signed with, one per kind of id. */
export interface BoundIdKeys {
  response: KeyObject;
  item: KeyObject;
}

/** Binds upstream ids of one answer: for one account, at the credential that answered. */
export interface IdBinder {
  response(upstreamId: string): string;
  item(upstreamId: string): string;
}

const RESPONSE_KEY_LABEL = 'tokenbyte response ids';
const ITEM_KEY_LABEL = 'tokenbyte item ids';
/** The marker after an item id's type prefix: `msg_tb…`. */
const ITEM_MARKER = '_tb';
/** An item's type prefix, as OpenAI spells them: `msg`, `rs`, `fc`, `mcpr` … */
const ITEM_PREFIX = /^[a-z][a-z0-9]{0,31}$/;
const MAC_BYTES = 16;
const PAYLOAD_VERSION = 1;
// Field encodings of the payload, so that typical ids stay short.
const RAW = 0; // length byte, then UTF-8
const UUID = 1; // 16 bytes, for a canonical lowercase UUID (a stored credential's row id)
const PREFIXED_HEX = 2; // prefix length, prefix, byte count, bytes: `resp_<hex>` as OpenAI's ids are
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIXED_HEX_PATTERN = /^([a-z]{1,32})_((?:[0-9a-f]{2}){1,255})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The keys client-facing ids are signed with, derived from the API-key pepper (HMAC-SHA256
 * with a fixed label per kind; the response label is the one response ids always had).
 */
export function deriveBoundIdKeys(pepper: Uint8Array): BoundIdKeys {
  if (pepper.length === 0) throw new TypeError('deriveBoundIdKeys: the pepper must not be empty');
  const derive = (label: string): KeyObject => createSecretKey(createHmac('sha256', pepper).update(label, 'utf8').digest());
  return { response: derive(RESPONSE_KEY_LABEL), item: derive(ITEM_KEY_LABEL) };
}

/** The binder for the ids of an answer to `accountId` from `credentialId`. */
export function idBinder(keys: BoundIdKeys, accountId: string, credentialId: string): IdBinder {
  return {
    response: (upstreamId) => bindResponseId(keys.response, accountId, { upstreamId, credentialId }),
    item: (upstreamId) => bindItemId(keys.item, accountId, { upstreamId, credentialId }),
  };
}

/** The id the client sees for the response `ref`, valid for `accountId` only. */
export function bindResponseId(key: KeyObject, accountId: string, ref: UpstreamRef): string {
  return bindId(key, BOUND_ID_PREFIX, accountId, ref);
}

/**
 * What a client-facing response id stands for, when `accountId` was given it; null for
 * anything else: another account's id, a tampered or malformed one, a raw upstream id.
 */
export function unbindResponseId(key: KeyObject, accountId: string, id: string): UpstreamRef | null {
  return unbindId(key, BOUND_ID_PREFIX, accountId, id);
}

/** The id the client sees for the output item `ref` (`msg_…` → `msg_tb…`), valid for `accountId` only. */
export function bindItemId(key: KeyObject, accountId: string, ref: UpstreamRef): string {
  const prefix = ref.upstreamId.slice(0, Math.max(0, ref.upstreamId.indexOf('_')));
  if (!ITEM_PREFIX.test(prefix)) throw new RangeError('bindItemId: an item id without a type prefix');
  return bindId(key, `${prefix}${ITEM_MARKER}`, accountId, ref);
}

/**
 * What a client-facing item id stands for, when `accountId` was given it; null for anything
 * else, a response id included, and an id whose visible prefix is not its item's.
 */
export function unbindItemId(key: KeyObject, accountId: string, id: string): UpstreamRef | null {
  const prefix = id.slice(0, Math.max(0, id.indexOf(ITEM_MARKER)));
  if (!ITEM_PREFIX.test(prefix)) return null;
  const ref = unbindId(key, `${prefix}${ITEM_MARKER}`, accountId, id);
  return ref !== null && ref.upstreamId.startsWith(`${prefix}_`) ? ref : null;
}

function bindId(key: KeyObject, prefix: string, accountId: string, ref: UpstreamRef): string {
  const payload = Buffer.concat([Buffer.of(PAYLOAD_VERSION), encodeField(ref.credentialId), encodeField(ref.upstreamId)]);
  return `${prefix}${payload.toString('base64url')}.${mac(key, accountId, ref).toString('base64url')}`;
}

function unbindId(key: KeyObject, prefix: string, accountId: string, id: string): UpstreamRef | null {
  if (!id.startsWith(prefix)) return null;
  const dot = id.lastIndexOf('.');
  if (dot < 0) return null;
  const payload = strictBase64url(id.slice(prefix.length, dot));
  const presented = strictBase64url(id.slice(dot + 1));
  if (payload === null || presented === null || presented.length !== MAC_BYTES) return null;
  const ref = decodePayload(payload);
  if (ref === null) return null;
  return timingSafeEqual(presented, mac(key, accountId, ref)) ? ref : null;
}

function mac(key: KeyObject, accountId: string, ref: UpstreamRef): Buffer {
  return createHmac('sha256', key).update(`${accountId}\0${ref.credentialId}\0${ref.upstreamId}`, 'utf8').digest().subarray(0, MAC_BYTES);
}

function encodeField(value: string): Buffer {
  if (UUID_PATTERN.test(value)) return Buffer.concat([Buffer.of(UUID), Buffer.from(value.replaceAll('-', ''), 'hex')]);
  const prefixed = PREFIXED_HEX_PATTERN.exec(value);
  if (prefixed) {
    const [, prefix = '', hex = ''] = prefixed;
    return Buffer.concat([Buffer.of(PREFIXED_HEX, prefix.length), Buffer.from(prefix, 'ascii'), Buffer.of(hex.length / 2), Buffer.from(hex, 'hex')]);
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 255) throw new RangeError('bindId: an id longer than 255 bytes');
  return Buffer.concat([Buffer.of(RAW, bytes.length), bytes]);
}

/** Payload → ref, only for the one canonical encoding of that ref: an id has exactly one spelling. */
function decodePayload(payload: Buffer): UpstreamRef | null {
  if (payload[0] !== PAYLOAD_VERSION) return null;
  const credential = decodeField(payload, 1);
  if (credential === null) return null;
  const upstream = decodeField(payload, credential.end);
  if (upstream === null || upstream.end !== payload.length) return null;
  const ref = { credentialId: credential.value, upstreamId: upstream.value };
  const canonical = Buffer.concat([Buffer.of(PAYLOAD_VERSION), encodeField(ref.credentialId), encodeField(ref.upstreamId)]);
  return canonical.equals(payload) ? ref : null;
}

function decodeField(payload: Buffer, at: number): { value: string; end: number } | null {
  const kind = payload[at];
  if (kind === UUID) {
    if (at + 17 > payload.length) return null;
    const hex = payload.subarray(at + 1, at + 17).toString('hex');
    return { value: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, end: at + 17 };
  }
  if (kind === PREFIXED_HEX) {
    const prefixLength = payload[at + 1] ?? 0;
    const bytesAt = at + 2 + prefixLength + 1;
    const count = payload[bytesAt - 1] ?? 0;
    if (bytesAt + count > payload.length) return null;
    const prefix = payload.subarray(at + 2, at + 2 + prefixLength).toString('latin1');
    return { value: `${prefix}_${payload.subarray(bytesAt, bytesAt + count).toString('hex')}`, end: bytesAt + count };
  }
  if (kind === RAW) {
    const length = payload[at + 1] ?? 0;
    if (at + 2 + length > payload.length) return null;
    const bytes = payload.subarray(at + 2, at + 2 + length);
    const value = bytes.toString('utf8');
    // Invalid UTF-8 would decode to a different string than the one that was signed.
    return Buffer.from(value, 'utf8').equals(bytes) ? { value, end: at + 2 + length } : null;
  }
  return null;
}

/** Base64url without padding, in its one canonical spelling (Node's decoder skips what it does not know). */
function strictBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
