import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import type { UpstreamCredential } from '../../proxy/upstream.js';
import { unbindItemId, unbindResponseId, type BoundIdKeys, type UpstreamRef } from './response-ids.js';
import { isRecord } from '../../../shared/json.js';

/** The stored responses and items a Responses request names, resolved for the upstream call. */
export interface ResolvedReferences {
  /** The credential whose organisation stores them; undefined when the request names none. */
  credentialId: string | undefined;
  /** Top-level fields to send instead of the client's, with the upstream ids in them. */
  replaced: Record<string, unknown>;
  /** The upstream response ids named, so that the answer (an upstream error, too) shows the client's ids again. */
  upstreamIds: string[];
  /** The upstream item ids named, likewise. */
  upstreamItemIds: string[];
}

type Resolution = { ok: true; references: ResolvedReferences } | { ok: false; error: GatewayError };

/** Input item fields that name a stored item: the item's own id (an `item_reference`, an item sent back), an MCP approval request. */
const ITEM_ID_FIELDS = ['id', 'approval_request_id'] as const;

/**
 * Checks the stored objects a request names — `previous_response_id`,
 * `prompt_cache_options.comparison_response_id`, and every item id in `input` — against the
 * caller's account: each must be an id this account was given, of a credential that still
 * exists, and all of one credential, since a call reaches one organisation. Anything else
 * is "not found", in OpenAI's words, exactly as OpenAI answers an id it does not know.
 * Items sent back without an id (plain content) are not stored objects and pass as they are.
 */
export function resolveResponseReferences(
  keys: BoundIdKeys,
  accountId: string,
  fields: Readonly<Record<string, unknown>>,
  credentials: readonly UpstreamCredential[],
): Resolution {
  const references: ResolvedReferences = { credentialId: undefined, replaced: {}, upstreamIds: [], upstreamItemIds: [] };
  // The first id pins the call to its credential; every later one must be of the same.
  const pin = (ref: UpstreamRef | null): UpstreamRef | null => {
    if (ref === null || !credentials.some((c) => c.id === ref.credentialId)) return null;
    if (references.credentialId !== undefined && references.credentialId !== ref.credentialId) return null;
    references.credentialId = ref.credentialId;
    return ref;
  };
  const response = (id: string): UpstreamRef | null => {
    const ref = pin(unbindResponseId(keys.response, accountId, id));
    if (ref !== null) references.upstreamIds.push(ref.upstreamId);
    return ref;
  };

  const previous = fields['previous_response_id'];
  if (previous !== undefined && previous !== null) {
    if (typeof previous !== 'string') return { ok: false, error: gatewayErrors.invalidType('previous_response_id', 'a string') };
    const ref = response(previous);
    if (ref === null) return { ok: false, error: gatewayErrors.previousResponseNotFound(previous) };
    references.replaced['previous_response_id'] = ref.upstreamId;
  }

  const cache = fields['prompt_cache_options'];
  const comparison = isRecord(cache) ? cache['comparison_response_id'] : undefined;
  if (isRecord(cache) && typeof comparison === 'string') {
    const ref = response(comparison);
    if (ref === null) return { ok: false, error: gatewayErrors.responseNotFound(comparison, 'prompt_cache_options.comparison_response_id') };
    references.replaced['prompt_cache_options'] = { ...cache, comparison_response_id: ref.upstreamId };
  }

  const input = fields['input'];
  if (!Array.isArray(input)) return { ok: true, references };
  let replacedInput: unknown[] | null = null;
  for (const [index, item] of input.entries()) {
    if (!isRecord(item)) continue;
    let replacedItem: Record<string, unknown> | null = null;
    for (const field of ITEM_ID_FIELDS) {
      const id = item[field];
      // Not a string: not an id of ours to resolve; OpenAI validates it in its own words.
      if (typeof id !== 'string') continue;
      const ref = pin(unbindItemId(keys.item, accountId, id));
      if (ref === null) return { ok: false, error: gatewayErrors.itemNotFound(id, fields['store'] === false) };
      references.upstreamItemIds.push(ref.upstreamId);
      replacedItem = { ...(replacedItem ?? item), [field]: ref.upstreamId };
    }
    if (replacedItem === null) continue;
    replacedInput ??= [...input];
    replacedInput[index] = replacedItem;
  }
  if (replacedInput !== null) references.replaced['input'] = replacedInput;
  return { ok: true, references };
}

