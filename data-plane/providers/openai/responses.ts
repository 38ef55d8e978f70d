import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { H3Event } from 'h3';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { ProxyCall, type CallOutcome, type ProxyDeps } from '../../proxy/call.js';
import { countStringValues, estimateTokens, jsonKeys } from '../../proxy/estimate.js';
import { GatewayErrorCode, midStreamError } from '../../proxy/errors.js';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from '../../proxy/headers.js';
import { responseEnded, withNodeResponse } from '../../proxy/respond.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody, discardBody, readAll } from '../../proxy/upstream.js';
import { admitPassThrough, endingStatus, passUpstreamError, type PassThroughRoute } from './pass-through.js';
import { parseResponsesRequest, responsesUpstreamBody, type ResponsesRequest } from './responses-request.js';
import { createResponsesStreamTap, type ResponsesStreamTap } from './responses-stream-usage.js';
import { readResponseBody, tokensFromResponsesUsage, type ResponsesUsage } from './responses-usage.js';
import type { OpenAIUpstreams } from './upstream.js';

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
 * the `responses` capability only), forward, pass the answer back as it arrives, account
 * from the Response's `usage`. Stored responses (`GET`/`DELETE /v1/responses/{id}`) are not
 * routed; `previous_response_id` and `store` are OpenAI's business.
 */
export function responsesHandler(deps: ProxyDeps, upstreams: OpenAIUpstreams): (event: H3Event) => unknown {
  return (event) =>
    withNodeResponse(event, async (req, res) => {
      const call = new ProxyCall(deps, event, req, res, true);
      try {
        await handle(deps, upstreams, call);
      } catch (error) {
        await call.crash(error);
      }
    });
}

async function handle(deps: ProxyDeps, upstreams: OpenAIUpstreams, call: ProxyCall): Promise<void> {
  const admitted = await admitPassThrough(deps, upstreams, call, ROUTE);
  if (admitted === null) return;
  const { request, model, upstream } = admitted;
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/responses',
    headers: upstreamRequestHeaders(call.req.headers, true),
    body: responsesUpstreamBody(request, model.upstreamModel),
    signal: call.signal,
    log: call.log,
  });
  // Before any answer: the upstream may have billed the input only if the request reached it.
  if (!result.ok) return call.failUpstream(result.failure, result.failure.reachedUpstream ? estimateTokens(request.inputChars, 0) : null);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) {
    discardBody(body);
    return call.failUpstream({ kind: 'unreachable', reachedUpstream: true, code: 'UNSUPPORTED_CONTENT_ENCODING' }, null);
  }
  if (statusCode < 200 || statusCode >= 300) return passUpstreamError(call, statusCode, headers, decoded);
  if (isEventStream(headers)) return streamAnswer(call, request, result.response, decoded);
  return bufferedAnswer(call, request, statusCode, headers, decoded);
}

/** A Response object: small, so it is read whole and sent with its length. */
async function bufferedAnswer(call: ProxyCall, request: ResponsesRequest, statusCode: number, headers: IncomingHttpHeaders, body: Readable): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, estimateTokens(request.inputChars, 0), statusCode);
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), read.bytes);
  const answer = readResponseBody(read.bytes);
  const status = !delivered ? UsageStatus.CLIENT_ABORT : answer.failed ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS;
  call.finish({ status, httpStatus: statusCode, ...tokenFields(answer.usage, request, () => countStringValues(read.bytes, TEXT_KEYS)) });
}

/** An SSE answer: headers go out at once, then every upstream chunk as it arrives. */
async function streamAnswer(call: ProxyCall, request: ResponsesRequest, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers(clientResponseHeaders(response.headers)));
  res.flushHeaders();
  const tap = createResponsesStreamTap();
  const ending = await forwardStream(res, body, tap, call.signal, call.firstByte);
  // `response.failed` or an `error` event after the 200 is OpenAI failing mid-answer.
  let outcome: UsageStatus = tap.failed() ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS;
  if (ending.kind === 'failed') {
    outcome = endingStatus(ending.failure);
    if (ending.failure.kind !== 'client_abort') {
      call.log.warn({ upstreamError: ending.failure.code, provider: call.provider }, 'upstream stream failed');
      // Too late for a status code: tell the client in the stream, as OpenAI does, then end it.
      const code = ending.failure.kind === 'timeout' ? GatewayErrorCode.UPSTREAM_TIMEOUT : GatewayErrorCode.UPSTREAM_DISCONNECTED;
      if (!res.destroyed) res.write((tap.midEvent() ? '\n\n' : '') + responsesErrorEvent(code, tap));
    }
  }
  if (!res.destroyed) res.end();
  if (!(await responseEnded(res))) outcome = UsageStatus.CLIENT_ABORT;
  call.finish({ status: outcome, httpStatus: response.statusCode, ...tokenFields(tap.usage(), request, () => tap.outputChars()) });
}

/**
 * The Responses API's own `error` event (a flat `{type, code, message, param,
 * sequence_number}`), which the OpenAI SDKs raise as an APIError mid-stream.
 */
function responsesErrorEvent(code: typeof GatewayErrorCode.UPSTREAM_TIMEOUT | typeof GatewayErrorCode.UPSTREAM_DISCONNECTED, tap: ResponsesStreamTap): string {
  const { message } = midStreamError(code).error;
  const event = { type: 'error', code, message, param: null, sequence_number: tap.nextSequenceNumber() };
  return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
}

/** OpenAI's counts when the Response carried them; else an estimate, as the upstream accepted the call. */
function tokenFields(usage: ResponsesUsage | null, request: ResponsesRequest, outputChars: () => number): Pick<CallOutcome, 'tokens' | 'usageEstimated'> {
  if (usage !== null) return { tokens: tokensFromResponsesUsage(usage), usageEstimated: false };
  return { tokens: estimateTokens(request.inputChars, outputChars()), usageEstimated: true };
}
