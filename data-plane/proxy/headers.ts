import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const USER_AGENT = 'TokenByte-Gateway/0.1';

/**
 * Client request headers worth passing upstream. An allowlist, so nothing that identifies
 * the client to the provider (cookies, its own keys, `openai-organization`) can slip
 * through. The SDKs' `x-stainless-*` headers are dropped too: they describe the
 * customer's runtime (OS, architecture, versions) and the client's own retry count and
 * timeout towards us, none of which the provider needs or should learn from us.
 */
const FORWARDED_REQUEST_HEADERS = ['accept', 'openai-beta'] as const;

/**
 * Headers for an upstream request, without the customer's credential (callUpstream adds
 * ours). `identity` keeps the answer readable for usage accounting.
 */
export function upstreamRequestHeaders(client: IncomingHttpHeaders, jsonBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': USER_AGENT };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = client[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // The body is the gateway's own serialisation (or the client's bytes, validated as JSON).
  if (jsonBody) headers['content-type'] = 'application/json';
  return headers;
}

const KEPT_RESPONSE_HEADERS = new Set([
  'content-type',
  'x-request-id',
  'openai-processing-ms',
  'openai-version',
  'retry-after',
  'retry-after-ms',
]);

/**
 * Upstream response headers the client may see: an allowlist. Everything else goes,
 * notably hop-by-hop headers, `set-cookie`, `openai-organization`/`openai-project` (our
 * account, not theirs) and `content-length`/`content-encoding`, which describe the
 * upstream's bytes rather than ours and are set again for what is actually sent.
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (KEPT_RESPONSE_HEADERS.has(name) || name.startsWith('x-ratelimit-')) headers[name] = value;
  }
  return headers;
}

/** True when the upstream answered with a Server-Sent-Events stream. */
export function isEventStream(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.trimStart().toLowerCase().startsWith('text/event-stream');
}
