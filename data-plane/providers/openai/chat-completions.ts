import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { H3Event } from 'h3';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { CLIENT_CLOSED_REQUEST, NO_TOKENS, proxyRoute, type ProxyCall, type CallOutcome, type ProxyDeps, type TokenCounts } from '../../proxy/call.js';
import { chatStreamError, gatewayErrors } from '../../proxy/errors.js';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from '../../proxy/headers.js';
import { readRequestBody } from '../../proxy/read-body.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody, readAll, type Upstream, type UpstreamFailure } from '../../proxy/upstream.js';
import { modelAllowed, parseChatRequest, upstreamBodyFor, type ChatRequest } from './chat-request.js';
import { countContentChars } from './content-chars.js';
import { createOpenAIStreamUsageFilter, type OpenAIUsage } from './stream-usage.js';
import { forwardTranslated } from './translated.js';
import { isTranslatedProvider } from './translated-providers.js';
import type { OpenAIUpstreams } from './upstream.js';
import { estimateTokens, tokensFromUsage, usageFromBody } from './usage.js';

/** `POST /v1/chat/completions`: authenticate, validate, route by the catalogue, forward, stream back, account. */
export function chatCompletionsHandler(deps: ProxyDeps, upstreams: OpenAIUpstreams): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage: true }, (call) => handle(deps, upstreams, call));
}

async function handle(deps: ProxyDeps, upstreams: OpenAIUpstreams, call: ProxyCall): Promise<void> {
  if (!(await call.authenticate(deps.keys))) return;
  const read = await readRequestBody(call.req, deps.config.maxRequestBodyBytes);
  // The client left while still sending: nothing reached the upstream, so nothing to bill.
  if (read.kind === 'aborted') return call.finish({ status: UsageStatus.CLIENT_ABORT, httpStatus: CLIENT_CLOSED_REQUEST });
  // `connection: close`: the rest of an oversized body is not worth reading just to keep the socket.
  if (read.kind === 'too_large') return call.reject(gatewayErrors.tooLarge(deps.config.maxRequestBodyBytes), { connection: 'close' });
  const parsed = parseChatRequest(read.bytes);
  if (!parsed.ok) {
    if (parsed.model !== undefined) call.setModel(parsed.model);
    return call.reject(parsed.error);
  }
  const request = parsed.request;
  const model = call.setModel(request.model);
  if (model === null) return call.reject(gatewayErrors.modelNotFound(call.model));
  call.provider = model.provider;
  // The key is non-null after authenticate; the check keeps the types honest.
  if (call.key === null || !modelAllowed(call.key.allowedModels, request.model)) {
    return call.reject(gatewayErrors.modelNotAllowed(request.model));
  }
  // An embeddings model would only fail upstream, after a round trip.
  if (!model.capabilities.includes('chat')) return call.reject(gatewayErrors.modelLacksCapability(call.model, '/v1/chat/completions', 'a chat model'));
  const choice = await upstreams.forProvider(model.provider);
  if (!choice.ok) {
    if (choice.reason === 'unsupported') return call.reject(gatewayErrors.modelNotSupportedOnRoute(call.model, model.provider, '/v1/chat/completions'));
    // Not the client's fault and not passing either: `x-should-retry: false` stops the SDKs retrying a 503.
    const error = gatewayErrors.providerNotConfigured(call.model, model.provider);
    const delivered = await call.sendError(error, { 'x-should-retry': 'false' });
    return call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: error.status });
  }
  call.useUpstream(choice.upstream);
  if (isTranslatedProvider(choice.upstream.provider)) return forwardTranslated(call, choice.upstream, request, model.upstreamModel);
  await forward(call, choice.upstream, request, upstreamBodyFor(request, model.upstreamModel));
}

async function forward(call: ProxyCall, upstream: Upstream, request: ChatRequest, upstreamBody: Uint8Array): Promise<void> {
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/chat/completions',
    headers: upstreamRequestHeaders(call.req.headers, true),
    body: upstreamBody,
    signal: call.signal,
    log: call.log,
  });
  if (!result.ok) return call.failUpstream(result.failure, inputEstimateIfCharged(result.failure, request));
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  const succeeded = statusCode >= 200 && statusCode < 300;
  if (succeeded && isEventStream(headers)) return streamAnswer(call, request, result.response, decoded);
  return bufferedAnswer(call, request, statusCode, headers, decoded, succeeded);
}

/** A JSON answer (a completion or an upstream error): small, so it is read whole and sent with its length. */
async function bufferedAnswer(
  call: ProxyCall,
  request: ChatRequest,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  succeeded: boolean,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, succeeded ? estimateTokens(request.inputChars, 0) : null, statusCode);
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), read.bytes);
  const status = !delivered ? UsageStatus.CLIENT_ABORT : succeeded ? UsageStatus.SUCCESS : UsageStatus.UPSTREAM_ERROR;
  // An upstream error status bills nothing; a 2xx without usage (a cut body) is estimated.
  const usage = succeeded ? usageFromBody(read.bytes) : null;
  call.finish({ status, httpStatus: statusCode, ...tokenFields(usage, succeeded, request, () => countContentChars(read.bytes)) });
}

/** An SSE answer: headers go out at once, then every upstream chunk as it arrives. */
async function streamAnswer(call: ProxyCall, request: ChatRequest, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers(clientResponseHeaders(response.headers)));
  res.flushHeaders();
  const filter = createOpenAIStreamUsageFilter({ stripUsageChunk: request.stream && !request.clientAskedForUsage });
  const ending = await forwardStream(res, body, filter, call.signal, call.firstByte);
  const outcome = await call.endStream(ending, UsageStatus.SUCCESS, chatStreamError);
  call.finish({
    status: outcome,
    httpStatus: response.statusCode,
    ...tokenFields(filter.usage(), true, request, () => filter.contentChars()),
  });
}


/**
 * Token counts for the usage event: what the provider reported, else, when it accepted
 * the call (and so may bill it), an estimate from the characters seen; else nothing.
 */
function tokenFields(
  usage: OpenAIUsage | null,
  accepted: boolean,
  request: ChatRequest,
  outputChars: () => number,
): Pick<CallOutcome, 'tokens' | 'usageEstimated'> {
  if (usage !== null) return { tokens: tokensFromUsage(usage), usageEstimated: false };
  if (!accepted) return { tokens: NO_TOKENS, usageEstimated: false };
  return { tokens: estimateTokens(request.inputChars, outputChars()), usageEstimated: true };
}

/** Before any answer: the upstream may have billed the prompt only if the request reached it. */
function inputEstimateIfCharged(failure: UpstreamFailure, request: ChatRequest): TokenCounts | null {
  return failure.reachedUpstream ? estimateTokens(request.inputChars, 0) : null;
}
