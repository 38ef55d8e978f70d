import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { NO_TOKENS, type CallOutcome, type ProxyCall, type TokenCounts } from '../../proxy/call.js';
import { eventSeparator } from '../../proxy/stream.js';
import { GatewayErrorCode } from '../../proxy/errors.js';
import { isEventStream } from '../../proxy/headers.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody, readAll, type Upstream, type UpstreamFailure } from '../../proxy/upstream.js';
import { anthropicStreamErrorEvent } from './errors.js';
import { anthropicClientHeaders, anthropicUpstreamHeaders } from './headers.js';
import { countMessageBodyChars } from './output-chars.js';
import type { MessagesRequest } from './request.js';
import { createAnthropicStreamUsageTap, type AnthropicStreamUsageTap } from './stream-usage.js';
import { estimateTokens, tokensFromAnthropicUsage, usageFromMessageBody } from './usage.js';

/** `POST /v1/messages` once admitted: forward, stream back untouched, account from Anthropic's own usage. */
export async function forwardMessages(call: ProxyCall, upstream: Upstream, request: MessagesRequest): Promise<void> {
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/v1/messages',
    headers: anthropicUpstreamHeaders(call.req.headers),
    body: request.upstreamBody,
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

/** A JSON answer (a Message or an Anthropic error): small, so it is read whole and sent with its length. */
async function bufferedAnswer(
  call: ProxyCall,
  request: MessagesRequest,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  succeeded: boolean,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, succeeded ? estimateTokens(null, request.inputChars, 0) : null, statusCode);
  const delivered = await call.send(statusCode, anthropicClientHeaders(headers), read.bytes);
  const status = !delivered ? UsageStatus.CLIENT_ABORT : succeeded ? UsageStatus.SUCCESS : UsageStatus.UPSTREAM_ERROR;
  // An error status bills nothing; a 2xx without usage (a cut body) is estimated.
  let tokens: Pick<CallOutcome, 'tokens' | 'usageEstimated'> = { tokens: NO_TOKENS, usageEstimated: false };
  if (succeeded) {
    const usage = usageFromMessageBody(read.bytes);
    tokens =
      usage !== null
        ? { tokens: tokensFromAnthropicUsage(usage), usageEstimated: false }
        : { tokens: estimateTokens(null, request.inputChars, countMessageBodyChars(read.bytes)), usageEstimated: true };
  }
  call.finish({ status, httpStatus: statusCode, ...tokens });
}

/** An SSE answer: headers go out at once, then every upstream chunk as it arrives. */
async function streamAnswer(call: ProxyCall, request: MessagesRequest, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers(anthropicClientHeaders(response.headers)));
  res.flushHeaders();
  const tap = createAnthropicStreamUsageTap();
  const ending = await forwardStream(res, body, tap, call.signal, call.firstByte);
  // An `error` event after the 200 (e.g. overloaded_error) is Anthropic failing mid-answer.
  const outcome = await call.endStream(ending, tap.sawError() ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS, (kind, failed) => {
    // Too late for a status code: tell the client in the stream, as Anthropic does, then end it.
    const code = kind === 'timeout' ? GatewayErrorCode.UPSTREAM_TIMEOUT : GatewayErrorCode.UPSTREAM_DISCONNECTED;
    return eventSeparator(failed) + anthropicStreamErrorEvent(code, call.requestId);
  });
  call.finish({ status: outcome, httpStatus: response.statusCode, ...streamTokens(tap, request) });
}

/** Anthropic's own counts when the stream got as far as its final message_delta; an estimate otherwise. */
function streamTokens(tap: AnthropicStreamUsageTap, request: MessagesRequest): Pick<CallOutcome, 'tokens' | 'usageEstimated'> {
  const usage = tap.usage();
  if (usage !== null && tap.complete()) return { tokens: tokensFromAnthropicUsage(usage), usageEstimated: false };
  return { tokens: estimateTokens(usage, request.inputChars, tap.outputChars()), usageEstimated: true };
}

/** Before any answer: the upstream may have billed the prompt only if the request reached it. */
function inputEstimateIfCharged(failure: UpstreamFailure, request: MessagesRequest): TokenCounts | null {
  return failure.reachedUpstream ? estimateTokens(null, request.inputChars, 0) : null;
}
