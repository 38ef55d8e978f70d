import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const USER_AGENT = 'TokenByte-Gateway/0.1';

/**
 * Headers for a Gemini upstream request (callUpstream adds our key in `x-goog-api-key`,
 * never in the URL, where proxies and access logs would keep it), nothing of the client's. The SDK's
 * `x-goog-api-client` and `user-agent` describe the customer's runtime, `x-goog-user-project`
 * names the customer's own Google project, and `x-server-timeout` is the client's deadline
 * towards us; none of them is the provider's business. `identity` keeps the answer
 * readable for usage accounting.
 */
export function geminiRequestHeaders(): Record<string, string> {
  const headers: Record<string, string> = {
    'accept-encoding': 'identity',
    'user-agent': USER_AGENT,
    // The body is the client's bytes, validated as a JSON object.
    'content-type': 'application/json',
  };
  return headers;
}

/**
 * Upstream response headers the client may see: an allowlist. Everything else goes,
 * notably hop-by-hop headers, `alt-svc` (it advertises Google's origin, not ours),
 * `set-cookie`, `server`, and `content-length`/`content-encoding`, which describe the
 * upstream's bytes and are set again for what is actually sent.
 */
const KEPT_RESPONSE_HEADERS = new Set(['content-type', 'retry-after', 'server-timing']);

export function geminiResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && KEPT_RESPONSE_HEADERS.has(name)) headers[name] = value;
  }
  return headers;
}
