import type { H3Event } from 'h3';
import { UsageStatus } from '../../../shared/usage-event.js';
import { CLIENT_CLOSED_REQUEST, proxyRoute, type ProxyCall, type ProxyDeps } from '../../proxy/call.js';
import { gatewayErrors } from '../../proxy/errors.js';
import { readRequestBody } from '../../proxy/read-body.js';
import type { Upstream } from '../../proxy/upstream.js';
// One model policy for every provider's routes.
import { modelAllowed } from '../openai/chat-request.js';
import { anthropicNotConfigured, renderAnthropicError } from './errors.js';
import { messagesBodyFor, parseMessagesRequest, type MessagesRequest } from './request.js';
import { ANTHROPIC_PROVIDER } from './upstream.js';

/** What an Anthropic route does once the request is admitted. */
export type ForwardAdmitted = (call: ProxyCall, upstream: Upstream, request: MessagesRequest) => Promise<void>;

/**
 * An Anthropic route: authenticate, read and validate the body, check the key may use the
 * model, then `forward`. Every refusal on the way answers in Anthropic's error shape.
 * `recordsUsage` is false for routes that call no model (count_tokens).
 */
export function anthropicRoute(
  deps: ProxyDeps,
  upstream: Upstream,
  recordsUsage: boolean,
  forward: ForwardAdmitted,
): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage, renderError: renderAnthropicError }, async (call) => {
    const request = await admit(deps, upstream, call);
    if (request !== null) await forward(call, upstream, request);
  });
}

async function admit(deps: ProxyDeps, upstream: Upstream, call: ProxyCall): Promise<MessagesRequest | null> {
  call.useUpstream(upstream);
  if (!(await call.authenticate(deps.keys))) return null;
  if (upstream.credentials().length === 0) {
    const error = anthropicNotConfigured();
    // `x-should-retry: false`: the SDKs would otherwise retry a 503 that cannot change.
    const delivered = await call.sendError(error, { 'x-should-retry': 'false' });
    call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: error.status });
    return null;
  }
  const read = await readRequestBody(call.req, deps.config.maxRequestBodyBytes);
  // The client left while still sending: nothing reached the upstream, so nothing to bill.
  if (read.kind === 'aborted') {
    call.finish({ status: UsageStatus.CLIENT_ABORT, httpStatus: CLIENT_CLOSED_REQUEST });
    return null;
  }
  if (read.kind === 'too_large') {
    // `connection: close`: the rest of an oversized body is not worth reading just to keep the socket.
    await call.reject(gatewayErrors.tooLarge(deps.config.maxRequestBodyBytes), { connection: 'close' });
    return null;
  }
  const parsed = parseMessagesRequest(read.bytes);
  if (!parsed.ok) {
    if (parsed.model !== undefined) call.setModel(parsed.model);
    await call.reject(parsed.error);
    return null;
  }
  // Only catalogue models: an unlisted one would run on our account with no price to bill it by.
  const entry = call.setModel(parsed.request.model);
  if (entry === null || entry.provider !== ANTHROPIC_PROVIDER) {
    await call.reject(gatewayErrors.modelNotFound(parsed.request.model));
    return null;
  }
  // The key is non-null after authenticate; the check keeps the types honest.
  if (call.key === null || !modelAllowed(call.key.allowedModels, parsed.request.model)) {
    await call.reject(gatewayErrors.modelNotAllowed(parsed.request.model));
    return null;
  }
  return { ...parsed.request, upstreamBody: messagesBodyFor(parsed.request, entry.upstreamModel) };
}
