import { UsageStatus } from '../../../shared/usage-event.js';
import type { ProxyCall } from '../../proxy/call.js';
import { callUpstream, decodedBody, readAll, type Upstream } from '../../proxy/upstream.js';
import { anthropicClientHeaders, anthropicUpstreamHeaders } from './headers.js';
import type { MessagesRequest } from './request.js';

/**
 * `POST /v1/messages/count_tokens` once admitted: forwarded and answered unchanged.
 *
 * It records no usage event, only the log line (the route is created with
 * `recordsUsage: false`, as `GET /v1/models` is): it runs no model, consumes no tokens
 * and Anthropic does not bill it, and usage events exist for billing ("we only record
 * metadata ... for billing purposes", privacy policy). Recording it would also put a
 * zero-token row beside nearly every agent call, since agents count before they send.
 * The `input_tokens` it answers must never be billed: they were only counted.
 */
export async function forwardCountTokens(call: ProxyCall, upstream: Upstream, request: MessagesRequest): Promise<void> {
  const result = await callUpstream(upstream, {
    method: 'POST',
    path: '/v1/messages/count_tokens',
    headers: anthropicUpstreamHeaders(call.req.headers),
    body: request.upstreamBody,
    signal: call.signal,
    log: call.log,
  });
  if (!result.ok) return call.failUpstream(result.failure, null);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  const read = await readAll(decoded, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, null, statusCode);
  const delivered = await call.send(statusCode, anthropicClientHeaders(headers), read.bytes);
  const succeeded = statusCode >= 200 && statusCode < 300;
  const status = !delivered ? UsageStatus.CLIENT_ABORT : succeeded ? UsageStatus.SUCCESS : UsageStatus.UPSTREAM_ERROR;
  call.finish({ status, httpStatus: statusCode });
}
