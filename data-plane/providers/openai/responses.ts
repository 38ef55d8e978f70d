import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { H3Event } from 'h3';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { proxyRoute, type ProxyCall, type CallOutcome, type ProxyDeps } from '../../proxy/call.js';
import { countStringValues, estimateTokens, jsonKeys } from '../../proxy/estimate.js';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from '../../proxy/headers.js';
import { callUpstream, decodedBody, readAll } from '../../proxy/upstream.js';
import { admitPassThrough, passUpstreamError, type PassThroughRoute } from './pass-through.js';
import { idBinder, type BoundIdKeys } from './response-ids.js';
import { createResponseIdRewriter, type ResponseIdRewriter } from './responses-id-rewrite.js';
import { resolveResponseReferences } from './responses-references.js';
import { parseResponsesRequest, responsesUpstreamBody, type ResponsesRequest } from './responses-request.js';
import { forwardResponsesStream } from './responses-stream.js';
import { readResponseBody, tokensFromResponsesUsage, type ResponsesUsage } from './responses-usage.js';
import type { OpenAIUpstreams } from './upstream.js';

/** What the Responses routes need beyond every proxied route's deps: the keys response and item ids are bound with. */
export interface ResponsesDeps extends ProxyDeps {
  /** See response-ids.ts; derived from the API-key pepper, so every data-plane instance shares them. */
  idKeys: BoundIdKeys;
}

const ROUTE: PassThroughRoute<ResponsesRequest> = {
  path: '/v1/responses',
  capability: 'responses',
  capabilityName: 'a model the Responses API serves',
  parse: parseResponsesRequest,
};
/** The output text of a non-streamed Response: its `output_text` parts' `text`. */
const TEXT_KEYS = jsonKeys('text');

/**
 * `POST /v1/responses`: authenticate, validate, route by the catalogue (OpenAI models with
 * the `responses` capability only), check the stored responses and items the request names
 * against the caller's account, forward (to the credential that stores them, if any), pass
 * the answer back as it arrives with every response and item id bound to the caller and to
 * the credential that answered, account from the Response's `usage`.
 */
export function responsesHandler(deps: ResponsesDeps, upstreams: OpenAIUpstreams): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage: true }, (call) => handle(deps, upstreams, call));
}

async function handle(deps: ResponsesDeps, upstreams: OpenAIUpstreams, call: ProxyCall): Promise<void> {
  const admitted = await admitPassThrough(deps, upstreams, call, ROUTE);
  if (admitted === null) return;
  const { request, model, upstream } = admitted;
  const accountId = accountOf(call);
  const resolved = resolveResponseReferences(deps.idKeys, accountId, request.fields, upstream.credentials());
  if (!resolved.ok) return call.reject(resolved.error);
  const { references } = resolved;
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/responses',
    headers: upstreamRequestHeaders(call.req.headers, true),
    body: responsesUpstreamBody(request, model.upstreamModel, references.replaced),
    signal: call.signal,
    log: call.log,
    // A stored response lives in one organisation: a follow-up goes to it, and nowhere else.
    credentialId: references.credentialId,
  });
  // Before any answer: the upstream may have billed the input only if the request reached it.
  if (!result.ok) return call.failUpstream(result.failure, result.failure.reachedUpstream ? estimateTokens(request.inputChars, 0) : null);
  const { credentialId } = result;
  const ids = createResponseIdRewriter(idBinder(deps.idKeys, accountId, credentialId));
  for (const upstreamId of references.upstreamIds) ids.knowResponse(upstreamId);
  for (const upstreamId of references.upstreamItemIds) ids.knowItem(upstreamId);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  if (statusCode < 200 || statusCode >= 300) return passUpstreamError(call, statusCode, headers, decoded, ids.rewrite);
  if (isEventStream(headers)) return streamAnswer(call, request, result.response, decoded, ids);
  return bufferedAnswer(call, request, statusCode, headers, decoded, ids);
}

/** A Response object: small, so it is read whole and sent with its length. */
async function bufferedAnswer(
  call: ProxyCall,
  request: ResponsesRequest,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  ids: ResponseIdRewriter,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, estimateTokens(request.inputChars, 0), statusCode);
  const answer = readResponseBody(read.bytes);
  ids.learn(answer.response);
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), ids.rewrite(read.bytes));
  const status = !delivered ? UsageStatus.CLIENT_ABORT : answer.failed ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS;
  call.finish({ status, httpStatus: statusCode, ...tokenFields(answer.usage, request, () => countStringValues(read.bytes, TEXT_KEYS)) });
}

/** An SSE answer: headers go out at once, then every upstream event as it arrives. */
async function streamAnswer(call: ProxyCall, request: ResponsesRequest, response: Dispatcher.ResponseData, body: Readable, ids: ResponseIdRewriter): Promise<void> {
  const { status, tap } = await forwardResponsesStream(call, response, body, ids);
  call.finish({ status, httpStatus: response.statusCode, ...tokenFields(tap.usage(), request, () => tap.outputChars()) });
}

/** The caller's account, which an admitted call always has (a bug otherwise, answered 500). */
export function accountOf(call: ProxyCall): string {
  if (call.key === null) throw new Error('a call reached its upstream without an authenticated key');
  return call.key.accountId;
}

/** OpenAI's counts when the Response carried them; else an estimate, as the upstream accepted the call. */
function tokenFields(usage: ResponsesUsage | null, request: ResponsesRequest, outputChars: () => number): Pick<CallOutcome, 'tokens' | 'usageEstimated'> {
  if (usage !== null) return { tokens: tokensFromResponsesUsage(usage), usageEstimated: false };
  return { tokens: estimateTokens(request.inputChars, outputChars()), usageEstimated: true };
}
