import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { NO_TOKENS, type CallOutcome, type ProxyCall } from '../../proxy/call.js';
import { isEventStream } from '../../proxy/headers.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody, readAll, type Upstream } from '../../proxy/upstream.js';
import { midStreamGoogleError } from './errors.js';
import { geminiRequestHeaders, geminiResponseHeaders } from './headers.js';
import type { GeminiRequest } from './request.js';
import { createGeminiStreamObserver } from './stream-usage.js';
import { upstreamPathFor, type GeminiTarget } from './target.js';
import { countTextChars, estimateTokens, tokensFromUsageMetadata, usageFromBody, type GeminiUsageMetadata } from './usage.js';

type TokenFields = Pick<CallOutcome, 'tokens' | 'usageEstimated'>;

/** Sends the body to the same version and method upstream, for the catalogue's upstream model, with our key, and answers. */
export async function forwardGemini(call: ProxyCall, upstream: Upstream, target: GeminiTarget, request: GeminiRequest, upstreamModel: string): Promise<void> {
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: upstreamPathFor(target, upstreamModel),
    headers: geminiRequestHeaders(),
    body: request.upstreamBody,
    signal: call.signal,
    log: call.log,
  });
  if (!result.ok) return call.failUpstream(result.failure, result.failure.reachedUpstream ? estimateTokens(request.inputChars, 0) : null);
  const { statusCode, headers, body: raw } = result.response;
  const decoded = decodedBody(raw, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(raw);
  const succeeded = statusCode >= 200 && statusCode < 300;
  if (succeeded && isEventStream(headers)) return streamAnswer(call, request, result.response, decoded);
  return bufferedAnswer(call, target, request, statusCode, headers, decoded, succeeded);
}

/** A JSON answer (generateContent, countTokens, embeddings, or an upstream error): read whole, sent with its length. */
async function bufferedAnswer(
  call: ProxyCall,
  target: GeminiTarget,
  request: GeminiRequest,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  succeeded: boolean,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, succeeded ? estimateTokens(request.inputChars, 0) : null, statusCode);
  const delivered = await call.send(statusCode, geminiResponseHeaders(headers), read.bytes);
  const status = !delivered ? UsageStatus.CLIENT_ABORT : succeeded ? UsageStatus.SUCCESS : UsageStatus.UPSTREAM_ERROR;
  call.finish({ status, httpStatus: statusCode, ...bufferedTokens(target, request, succeeded, read.bytes) });
}

/**
 * Counts for a buffered answer. An upstream error bills nothing. Embedding answers carry
 * `usageMetadata` in some API versions only, so without it the input is estimated (an
 * embedding has no output tokens). A generateContent body without usage was cut short.
 */
function bufferedTokens(target: GeminiTarget, request: GeminiRequest, succeeded: boolean, bytes: Uint8Array): TokenFields {
  if (!succeeded) return { tokens: NO_TOKENS, usageEstimated: false };
  const usage = usageFromBody(bytes);
  if (usage !== null) return { tokens: tokensFromUsageMetadata(usage), usageEstimated: false };
  const embedding = target.method === 'embedContent' || target.method === 'batchEmbedContents';
  return { tokens: estimateTokens(request.inputChars, embedding ? 0 : countTextChars(bytes)), usageEstimated: true };
}

/** An `alt=sse` answer: headers go out at once, then every upstream chunk as it arrives, unchanged. */
async function streamAnswer(call: ProxyCall, request: GeminiRequest, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers(geminiResponseHeaders(response.headers)));
  res.flushHeaders();
  const observer = createGeminiStreamObserver();
  const ending = await forwardStream(res, body, observer, call.signal, call.firstByte);
  // An error event of Google's own reached the client as it came: the call failed even though the body ended cleanly.
  const outcome = await call.endStream(ending, observer.failed() ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS, (kind) =>
    // Too late for a status code: end with an error event, which the SDK raises as ApiError.
    midStreamGoogleError(kind === 'timeout' ? 'timeout' : 'disconnected', call.requestId, observer.atEventBoundary()),
  );
  const complete = ending.kind === 'complete' && observer.finished();
  call.finish({ status: outcome, httpStatus: response.statusCode, ...streamTokens(observer.usage(), complete, request.inputChars, observer.outputChars()) });
}

/**
 * Counts for a stream. A stream that reached its final chunk is billed from its last usage.
 * One that ended early (cut, aborted, stalled) is an estimate: from the last cumulative
 * usage seen, which is exact for the prompt and for what was generated until then, or,
 * when no chunk carried usage, from the characters seen.
 */
export function streamTokens(usage: GeminiUsageMetadata | null, complete: boolean, inputChars: number, outputChars: number): TokenFields {
  if (usage !== null) return { tokens: tokensFromUsageMetadata(usage), usageEstimated: !complete };
  return { tokens: estimateTokens(inputChars, outputChars), usageEstimated: true };
}
