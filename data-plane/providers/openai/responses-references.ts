import type { KeyObject } from 'node:crypto';
import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import type { UpstreamCredential } from '../../proxy/upstream.js';
import { unbindResponseId, type UpstreamRef } from './response-ids.js';

/** The stored responses a Responses request names, resolved for the upstream call. */
export interface ResolvedReferences {
  /** The credential whose organisation stores them; undefined when the request names none. */
  credentialId: string | undefined;
  /** Top-level fields to send instead of the client's, with the upstream ids in them. */
  replaced: Record<string, unknown>;
  /** The upstream ids named, so that the answer (an upstream error, too) shows the client's ids again. */
  upstreamIds: string[];
}

/**
 * Checks the stored responses a request names — `previous_response_id`, and
 * `prompt_cache_options.comparison_response_id` — against the caller's account: each must
 * be an id this account was given, of a credential that still exists, and all of one
 * credential, since a call reaches one organisation. Anything else is "not found", in
 * OpenAI's words, exactly as OpenAI answers an id it does not know.
 */
export function resolveResponseReferences(
  key: KeyObject,
  accountId: string,
  fields: Readonly<Record<string, unknown>>,
  credentials: readonly UpstreamCredential[],
): { ok: true; references: ResolvedReferences } | { ok: false; error: GatewayError } {
  const references: ResolvedReferences = { credentialId: undefined, replaced: {}, upstreamIds: [] };
  const resolve = (id: string): UpstreamRef | null => {
    const ref = unbindResponseId(key, accountId, id);
    if (ref === null || !credentials.some((c) => c.id === ref.credentialId)) return null;
    if (references.credentialId !== undefined && references.credentialId !== ref.credentialId) return null;
    references.credentialId = ref.credentialId;
    references.upstreamIds.push(ref.upstreamId);
    return ref;
  };

  const previous = fields['previous_response_id'];
  if (previous !== undefined && previous !== null) {
    if (typeof previous !== 'string') return { ok: false, error: gatewayErrors.invalidType('previous_response_id', 'a string') };
    const ref = resolve(previous);
    if (ref === null) return { ok: false, error: gatewayErrors.previousResponseNotFound(previous) };
    references.replaced['previous_response_id'] = ref.upstreamId;
  }

  const cache = fields['prompt_cache_options'];
  const comparison = isRecord(cache) ? cache['comparison_response_id'] : undefined;
  if (isRecord(cache) && typeof comparison === 'string') {
    const ref = resolve(comparison);
    if (ref === null) return { ok: false, error: gatewayErrors.responseNotFound(comparison, 'prompt_cache_options.comparison_response_id') };
    references.replaced['prompt_cache_options'] = { ...cache, comparison_response_id: ref.upstreamId };
  }
  return { ok: true, references };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
