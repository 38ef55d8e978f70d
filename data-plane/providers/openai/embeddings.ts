import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { H3Event } from 'h3';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { proxyRoute, type ProxyCall, type CallOutcome, type ProxyDeps, type TokenCounts } from '../../proxy/call.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../proxy/headers.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody } from '../../proxy/upstream.js';
import { embeddingsUpstreamBody, parseEmbeddingsRequest, type EmbeddingsRequest } from './embeddings-request.js';
import { createJsonTailTap } from './json-tail.js';
import { admitPassThrough, passUpstreamError, type PassThroughRoute } from './pass-through.js';
import type { OpenAIUpstreams } from './upstream.js';

const ROUTE: PassThroughRoute<EmbeddingsRequest> = {
  path: '/v1/embeddings',
  capability: 'embeddings',
  capabilityName: 'an embeddings model',
  parse: parseEmbeddingsRequest,
};

/**
 * `POST /v1/embeddings`: authenticate, validate, route by the catalogue (OpenAI embedding
 * models only), forward, pass the answer back byte for byte, account from its `usage`.
 */
export function embeddingsHandler(deps: ProxyDeps, upstreams: OpenAIUpstreams): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage: true }, (call) => handle(deps, upstreams, call));
}

async function handle(deps: ProxyDeps, upstreams: OpenAIUpstreams, call: ProxyCall): Promise<void> {
  const admitted = await admitPassThrough(deps, upstreams, call, ROUTE);
  if (admitted === null) return;
  const { request, model, upstream } = admitted;
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/embeddings',
    headers: upstreamRequestHeaders(call.req.headers, true),
    body: embeddingsUpstreamBody(request, model.upstreamModel),
    signal: call.signal,
    log: call.log,
  });
  if (!result.ok) return call.failUpstream(result.failure, result.failure.reachedUpstream ? estimate(request) : null);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  if (statusCode >= 200 && statusCode < 300) return passList(call, request, result.response, decoded);
  return passUpstreamError(call, statusCode, headers, decoded);
}

/**
 * The embeddings list, passed through as it arrives rather than read whole: it can be tens
 * of megabytes (and base64 vectors must reach the SDK intact), so only its last bytes are
 * kept, to read the `usage` OpenAI puts at the end.
 */
async function passList(call: ProxyCall, request: EmbeddingsRequest, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  const headers: OutgoingHttpHeaders = clientResponseHeaders(response.headers);
  // The bytes are the upstream's own unless they were decompressed, so its length still holds.
  const length = response.headers['content-length'];
  if (body === response.body && typeof length === 'string') headers['content-length'] = length;
  res.writeHead(response.statusCode, call.headers(headers));
  const tap = createJsonTailTap();
  const ending = await forwardStream(res, body, tap, call.signal, call.firstByte);
  // Too late for a status, and JSON has no way to add an error: cutting the connection
  // is what makes every client report a failure rather than parse a short body.
  const outcome = await call.endStream(ending, UsageStatus.SUCCESS, () => null);
  call.finish({ status: outcome, httpStatus: response.statusCode, ...tokenFields(tap.lastObjectMember('usage'), request) });
}

/** OpenAI's own count when the list got as far as its `usage`; else an estimate, as the upstream accepted the call. */
function tokenFields(usage: Record<string, unknown> | null, request: EmbeddingsRequest): Pick<CallOutcome, 'tokens' | 'usageEstimated'> {
  const prompt = usage?.['prompt_tokens'];
  if (typeof prompt === 'number') return { tokens: { inputTokens: prompt, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 }, usageEstimated: false };
  return { tokens: estimate(request), usageEstimated: true };
}

/** About four characters a token for text; token-id inputs are counted as they are. */
function estimate(request: EmbeddingsRequest): TokenCounts {
  return { inputTokens: Math.ceil(request.inputChars / 4) + request.inputTokenIds, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 };
}
