import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UsageStatus } from '../../../shared/usage-event.js';
import type { ProxyCall } from '../../proxy/call.js';
import { GatewayErrorCode, midStreamError } from '../../proxy/errors.js';
import { clientResponseHeaders } from '../../proxy/headers.js';
import { forwardStream, pipeStages } from '../../proxy/stream.js';
import { createResponseIdStage, type ResponseIdRewriter } from './responses-id-rewrite.js';
import { createResponsesStreamTap, type ResponsesStreamTap } from './responses-stream-usage.js';

/**
 * Sends a Responses API SSE answer (a new response, or a stored one replayed): headers at
 * once, then every event as it arrives, its response and item ids bound to the caller. A
 * stream the upstream breaks off ends with the Responses API's own `error` event. Resolves
 * once the answer is over, with how it ended and the tap that read it (usage, output characters).
 */
export async function forwardResponsesStream(
  call: ProxyCall,
  response: Dispatcher.ResponseData,
  body: Readable,
  ids: ResponseIdRewriter,
): Promise<{ status: UsageStatus; tap: ResponsesStreamTap }> {
  const { res } = call;
  res.writeHead(response.statusCode, call.headers(clientResponseHeaders(response.headers)));
  res.flushHeaders();
  const tap = createResponsesStreamTap();
  // The tap reads what the client gets: whole events, ids already bound.
  const ending = await forwardStream(res, body, pipeStages(createResponseIdStage(ids), tap), call.signal, call.firstByte);
  // `response.failed` or an `error` event after the 200 is OpenAI failing mid-answer.
  const status = await call.endStream(ending, tap.failed() ? UsageStatus.UPSTREAM_ERROR : UsageStatus.SUCCESS, (kind) => {
    // Too late for a status code: tell the client in the stream, as OpenAI does, then end it.
    const code = kind === 'timeout' ? GatewayErrorCode.UPSTREAM_TIMEOUT : GatewayErrorCode.UPSTREAM_DISCONNECTED;
    return (tap.midEvent() ? '\n\n' : '') + responsesErrorEvent(code, tap);
  });
  return { status, tap };
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
