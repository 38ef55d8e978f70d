import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import { NO_TOKENS, type ProxyCall } from '../../proxy/call.js';
import { chatStreamError } from '../../proxy/errors.js';
import { isEventStream } from '../../proxy/headers.js';
import { forwardStream } from '../../proxy/stream.js';
import { callUpstream, decodedBody, readAll, type Upstream } from '../../proxy/upstream.js';
import type { ChatRequest } from './chat-request.js';
import { adapterFor, type ProviderAdapter } from './translated-providers.js';

/**
 * Serves an OpenAI chat-completions call with a model of another provider (Anthropic,
 * Gemini): the request is translated to the provider's API (a 400 naming the parameter when
 * it cannot be), sent with one of our keys, and the answer, streamed or not, translated back to
 * OpenAI's shape as it arrives. Usage is the provider's own accounting.
 */
export async function forwardTranslated(call: ProxyCall, upstream: Upstream, request: ChatRequest, upstreamModel: string): Promise<void> {
  const built = adapterFor(upstream.provider, request, upstreamModel, call.req.headers);
  if (built === null) throw new Error(`no chat-completions translation for provider ${upstream.provider}`);
  if (!built.ok) return call.reject(built.error);
  const adapter = built.adapter;
  const result = await callUpstream(upstream, { method: 'POST', path: adapter.path, headers: adapter.headers, body: adapter.body, signal: call.signal, log: call.log });
  if (!result.ok) return call.failUpstream(result.failure, result.failure.reachedUpstream ? adapter.estimate(0) : null);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  const succeeded = statusCode >= 200 && statusCode < 300;
  if (succeeded && isEventStream(headers)) return streamAnswer(call, adapter, result.response, decoded);
  return bufferedAnswer(call, adapter, statusCode, headers, decoded, succeeded);
}

/** A JSON answer, a completion or an error: read whole, translated, sent with its length. */
async function bufferedAnswer(
  call: ProxyCall,
  adapter: ProviderAdapter,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  succeeded: boolean,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, succeeded ? adapter.estimate(0) : null, statusCode);
  if (!succeeded) {
    const error = adapter.error(statusCode, read.bytes, headers);
    const delivered = await call.send(error.status, { ...error.headers, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(error.body)));
    return call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: error.status, tokens: NO_TOKENS });
  }
  const completion = adapter.completion(read.bytes);
  if (completion === null) {
    // A 2xx that is not the provider's answer: nothing to translate, but it may have been billed.
    return call.failUpstream({ kind: 'unreachable', reachedUpstream: true, code: 'UNREADABLE_UPSTREAM_BODY' }, adapter.estimate(0));
  }
  const delivered = await call.send(statusCode, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(completion.body)));
  const tokens = completion.tokens === null ? { tokens: adapter.estimate(0), usageEstimated: true } : { tokens: completion.tokens, usageEstimated: false };
  call.finish({ status: delivered ? UsageStatus.SUCCESS : UsageStatus.CLIENT_ABORT, httpStatus: statusCode, ...tokens });
}

/** A provider stream, translated event by event into chat.completion.chunk SSE as the bytes arrive. */
async function streamAnswer(call: ProxyCall, adapter: ProviderAdapter, response: Dispatcher.ResponseData, body: Readable): Promise<void> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }));
  res.flushHeaders();
  const stream = adapter.stream();
  const ending = await forwardStream(res, body, stream, call.signal, call.firstByte);
  // An error event after the 200 is the provider failing mid-answer, as on its native route.
  const outcome = await call.endStream(ending, stream.failed() ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS, chatStreamError);
  call.finish({ status: outcome, httpStatus: response.statusCode, ...stream.tokens() });
}
