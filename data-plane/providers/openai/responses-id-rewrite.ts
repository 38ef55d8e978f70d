import { createSseEventSplitter, leadingEventName, type SseEvent } from '../../proxy/sse.js';
import type { StreamStage } from '../../proxy/stream.js';
import type { IdBinder } from './response-ids.js';
import { isRecord, parseJsonObject } from '../../../shared/json.js';

/**
 * Replaces OpenAI's response and item ids with the ids bound to the caller (response-ids.ts)
 * in an answer's bytes. An upstream id is a long random token, so replacing that exact
 * token wherever it occurs touches nothing else; the answer is otherwise passed byte for byte.
 */
export interface ResponseIdRewriter {
  /** Binds the response `upstreamId` from now on (an id the request named, known before the answer). */
  knowResponse(upstreamId: string): void;
  /** Binds the item `upstreamId` from now on. */
  knowItem(upstreamId: string): void;
  /**
   * Binds the ids `body` names: a Response (its own, its `previous_response_id`, its
   * prompt-cache comparison, its output items), a list of items (`…/input_items`), or one item.
   */
  learn(body: unknown): void;
  /**
   * `bytes` with every known upstream id replaced, in one pass and one copy; the same array
   * when there was none. An unknown item id in an `"item_id"` field (a delta of an item
   * whose `output_item.added` a replayed stream skipped) is bound on the way.
   */
  rewrite(bytes: Uint8Array): Uint8Array;
}

/** OpenAI-shaped ids only: a short or empty string must never be "replaced" everywhere. */
const UPSTREAM_RESPONSE_ID = /^resp_[A-Za-z0-9]{8,}$/;
const UPSTREAM_ITEM_ID = /^[a-z][a-z0-9]{0,31}_[A-Za-z0-9]{8,}$/;
/** Stream events that carry the whole Response object. */
const RESPONSE_EVENTS = new Set(['response.created', 'response.queued', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed']);
/** Stream events that carry one whole output item, which name its id before any delta does. */
const ITEM_EVENTS = new Set(['response.output_item.added', 'response.output_item.done']);
/** Item fields that name a stored item: its own id, and the approval request an MCP call answers. */
const ITEM_ID_FIELDS = ['id', 'approval_request_id'] as const;
const EMPTY = new Uint8Array(0);

// An id token is `<prefix>_<token>`: the scan finds each `_` and reads the id around it.
const UNDERSCORE = 0x5f;
const PREFIX_BYTE = 1;
const TOKEN_BYTE = 2;
const BYTE_CLASS = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  const char = String.fromCharCode(byte);
  if (/[a-z0-9]/.test(char)) BYTE_CLASS[byte]! |= PREFIX_BYTE;
  if (/[A-Za-z0-9]/.test(char)) BYTE_CLASS[byte]! |= TOKEN_BYTE;
}
const ITEM_ID_KEY = Buffer.from('"item_id":"', 'latin1');

/** A rewriter that binds each upstream id it meets with `bind` (the caller's account, the answering credential). */
export function createResponseIdRewriter(bind: IdBinder): ResponseIdRewriter {
  // One map for every kind: the scan looks each candidate token up once.
  const known = new Map<string, Buffer>();
  const lengths = new Set<number>();
  const add = (upstreamId: string, bound: () => string): void => {
    if (known.has(upstreamId)) return;
    known.set(upstreamId, Buffer.from(bound(), 'latin1'));
    lengths.add(upstreamId.length);
  };
  const knowResponse = (upstreamId: unknown): void => {
    if (typeof upstreamId === 'string' && UPSTREAM_RESPONSE_ID.test(upstreamId)) add(upstreamId, () => bind.response(upstreamId));
  };
  const knowItem = (upstreamId: unknown): void => {
    // A `resp_` token in an item field is no item of ours to bind.
    if (typeof upstreamId === 'string' && UPSTREAM_ITEM_ID.test(upstreamId) && !upstreamId.startsWith('resp_')) add(upstreamId, () => bind.item(upstreamId));
  };
  const learnItem = (item: unknown): void => {
    if (!isRecord(item)) return;
    for (const field of ITEM_ID_FIELDS) knowItem(item[field]);
  };
  return {
    knowResponse,
    knowItem,
    learn(body) {
      if (!isRecord(body)) return;
      if (body['object'] === 'list') {
        forEach(body['data'], learnItem);
        knowItem(body['first_id']);
        knowItem(body['last_id']);
        return;
      }
      if (body['object'] !== 'response') return learnItem(body);
      knowResponse(body['id']);
      knowResponse(body['previous_response_id']);
      const cache = body['prompt_cache_options'];
      if (isRecord(cache)) knowResponse(cache['comparison_response_id']);
      forEach(body['output'], learnItem);
    },
    rewrite: (bytes) => replaceIds(bytes, known, lengths, knowItem),
  };
}

/**
 * A stream stage that rewrites a Responses SSE stream event by event: it learns the ids of
 * the Response from the events carrying it and the id of each output item from its
 * `response.output_item.added` (which precedes the item's deltas), then replaces them in that
 * event and every later one. An event is held only until its last byte arrives, never
 * longer, and events that arrive together leave together.
 */
export function createResponseIdStage(ids: ResponseIdRewriter): StreamStage {
  const splitter = createSseEventSplitter();
  const pass = (events: SseEvent[]): Uint8Array => {
    const out: Uint8Array[] = [];
    for (const event of events) {
      // Only these few events per stream are parsed; deltas are scanned as bytes.
      const name = leadingEventName(event) ?? '';
      if (RESPONSE_EVENTS.has(name)) ids.learn(parseJsonObject(event.data)?.['response']);
      else if (ITEM_EVENTS.has(name)) ids.learn(parseJsonObject(event.data)?.['item']);
      out.push(ids.rewrite(event.raw));
    }
    if (out.length <= 1) return out[0] ?? EMPTY;
    return Buffer.concat(out);
  };
  return {
    transform: (chunk) => pass(splitter.push(chunk)),
    flush: () => pass(splitter.flush()),
  };
}

/**
 * One pass over `bytes`: at each `_`, the token around it (lowercase letters and digits
 * before, letters and digits after, as OpenAI spells its ids, delimited by anything else:
 * JSON quotes, a slash, a space) becomes its bound id when its exact spelling is a known
 * upstream id. A token is only decoded when its length is one an id has, so keys like
 * `item_id` cost a few byte reads. An unknown id-shaped value of an `"item_id"` field is
 * offered to `learnItem` first.
 */
function replaceIds(bytes: Uint8Array, known: Map<string, Buffer>, lengths: Set<number>, learnItem: (id: string) => void): Uint8Array {
  // A plain loop: on an event-sized array it beats a native indexOf call per `_`.
  let view: Buffer | undefined;
  let parts: Uint8Array[] | undefined;
  let total = 0;
  let copied = 0;
  for (let at = 0; at < bytes.length; at++) {
    if (bytes[at] !== UNDERSCORE) continue;
    let start = at;
    while (start > copied && (BYTE_CLASS[bytes[start - 1]!]! & PREFIX_BYTE) !== 0) start--;
    let end = at + 1;
    while (end < bytes.length && (BYTE_CLASS[bytes[end]!]! & TOKEN_BYTE) !== 0) end++;
    const itemIdValue = end - at > 8 && precededBy(bytes, start, ITEM_ID_KEY);
    if (start < at && (lengths.has(end - start) || itemIdValue)) {
      view ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const token = view.toString('latin1', start, end);
      if (itemIdValue && !known.has(token)) learnItem(token);
      const bound = known.get(token);
      if (bound !== undefined) {
        parts ??= [];
        parts.push(bytes.subarray(copied, start), bound);
        total += start - copied + bound.length;
        copied = end;
      }
    }
    at = end - 1;
  }
  if (parts === undefined) return bytes;
  parts.push(bytes.subarray(copied));
  total += bytes.length - copied;
  // The one copy of the event; Buffer.concat would cost as much again on an event this size.
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether `bytes` has `key` just before `position`. */
function precededBy(bytes: Uint8Array, position: number, key: Uint8Array): boolean {
  if (position < key.length) return false;
  for (let i = 0; i < key.length; i++) if (bytes[position - key.length + i] !== key[i]) return false;
  return true;
}

function forEach(list: unknown, each: (value: unknown) => void): void {
  if (Array.isArray(list)) for (const value of list) each(value);
}

