import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const USER_AGENT = 'TokenByte-Gateway/0.1';

/**
 * Client request headers passed upstream as sent: the API version the client was written
 * against and the beta features it opted into, both of which change what Anthropic answers.
 * An allowlist, so nothing else about the client reaches Anthropic: not its credentials,
 * not `anthropic-workspace-id`/`anthropic-user-profile-id` (they name the customer's own
 * Anthropic account, not ours), not the SDKs' `x-stainless-*` runtime fingerprint.
 */
const FORWARDED_REQUEST_HEADERS = ['anthropic-version', 'anthropic-beta', 'accept'] as const;

/**
 * Headers for a request to Anthropic, never with the customer's TokenByte key (callUpstream
 * adds ours in `x-api-key`); `identity` keeps the answer readable for accounting.
 */
export function anthropicUpstreamHeaders(client: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {
    'accept-encoding': 'identity',
    'user-agent': USER_AGENT,
    'content-type': 'application/json',
  };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = client[name];
    // Node joins repeated headers with ", " for these names, which is how Anthropic reads a beta list.
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

const KEPT_RESPONSE_HEADERS = new Set(['content-type', 'request-id', 'retry-after', 'retry-after-ms', 'x-should-retry']);

/**
 * Upstream response headers the client may see: an allowlist. `request-id` is what
 * Anthropic support asks for; the rate-limit headers and `retry-after`/`x-should-retry`
 * drive the SDKs' retries. Everything else goes, notably hop-by-hop headers, cookies,
 * `anthropic-organization-id` (our account, not theirs) and `content-length`/
 * `content-encoding`, which describe the upstream's bytes and are set again for ours.
 */
export function anthropicClientHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (KEPT_RESPONSE_HEADERS.has(name) || name.startsWith('anthropic-ratelimit-')) headers[name] = value;
  }
  return headers;
}
