import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { getRouterParam, type H3Event } from 'h3';
import { UsageStatus } from '../../../shared/usage-event.js';
import { proxyRoute, type ProxyCall } from '../../proxy/call.js';
import { gatewayErrors } from '../../proxy/errors.js';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from '../../proxy/headers.js';
import { callUpstream, decodedBody, readAll } from '../../proxy/upstream.js';
import { OPENAI_PROVIDER } from './auth.js';
import { passUpstreamError } from './pass-through.js';
import { idBinder, unbindItemId, unbindResponseId } from './response-ids.js';
import { accountOf, type ResponsesDeps } from './responses.js';
import { createResponseIdRewriter, type ResponseIdRewriter } from './responses-id-rewrite.js';
import { forwardResponsesStream } from './responses-stream.js';
import { readResponseBody } from './responses-usage.js';
import type { OpenAIUpstreams } from './upstream.js';

/** What a client may do with a stored response, and where OpenAI serves it (below `/responses/{id}`). */
export const STORED_RESPONSE_ACTIONS = {
  retrieve: { method: 'GET', suffix: '' },
  delete: { method: 'DELETE', suffix: '' },
  cancel: { method: 'POST', suffix: '/cancel' },
  inputItems: { method: 'GET', suffix: '/input_items' },
} as const;
export type StoredResponseAction = (typeof STORED_RESPONSE_ACTIONS)[keyof typeof STORED_RESPONSE_ACTIONS];

/**
 * `GET`/`DELETE /v1/responses/{id}`, `POST …/cancel`, `GET …/input_items` (the route names
 * the id as `:id`): the id must be one this account was given (response-ids.ts), else the
 * answer is OpenAI's own "not found", as for an id that never existed. The call goes to the
 * credential whose organisation stores the response, with the query string as sent (e.g.
 * `?stream=true&starting_after=…` replays a stored stream) but for an `after` item id, which
 * must be bound like the response's, and the answer comes back with its response and item
 * ids bound. No model runs, so these log a line but record no usage.
 */
export function storedResponseHandler(deps: ResponsesDeps, upstreams: OpenAIUpstreams, action: StoredResponseAction): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage: false }, (call, event) =>
    handle(deps, upstreams, call, action, getRouterParam(event, 'id', { decode: true }) ?? '', event.url.search),
  );
}

async function handle(deps: ResponsesDeps, upstreams: OpenAIUpstreams, call: ProxyCall, action: StoredResponseAction, id: string, query: string): Promise<void> {
  if (!(await call.authenticate(deps.keys))) return;
  const accountId = accountOf(call);
  const ref = unbindResponseId(deps.idKeys.response, accountId, id);
  const choice = await upstreams.forProvider(OPENAI_PROVIDER);
  // A credential that is gone (or disabled) took its organisation's stored responses with it, as far as we can reach them.
  if (ref === null || !choice.ok || !choice.upstream.credentials().some((c) => c.id === ref.credentialId)) {
    return call.reject(gatewayErrors.responseNotFound(id));
  }
  const { upstream } = choice;
  call.useUpstream(upstream);
  // `…/input_items?after=<item id>` pages by an item id: one of this response's, so of its credential.
  const after = action === STORED_RESPONSE_ACTIONS.inputItems
    ? replaceAfterItems(query, (itemId) => {
        const item = unbindItemId(deps.idKeys.item, accountId, itemId);
        return item !== null && item.credentialId === ref.credentialId ? item.upstreamId : null;
      })
    : { ok: true as const, query, upstreamIds: [] };
  if (!after.ok) return call.reject(gatewayErrors.itemNotFound(after.id, false, 'after'));
  const result = await callUpstream(upstream, {
    // Each of these is safe to repeat, so callUpstream's retries suit them.
    method: action.method,
    path: `/responses/${encodeURIComponent(ref.upstreamId)}${action.suffix}${after.query}`,
    headers: upstreamRequestHeaders(call.req.headers, false),
    signal: call.signal,
    log: call.log,
    credentialId: ref.credentialId,
  });
  if (!result.ok) return call.failUpstream(result.failure, null);
  const ids = createResponseIdRewriter(idBinder(deps.idKeys, accountId, ref.credentialId));
  ids.knowResponse(ref.upstreamId);
  for (const upstreamId of after.upstreamIds) ids.knowItem(upstreamId);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) return call.failUndecodable(body);
  if (statusCode < 200 || statusCode >= 300) return passUpstreamError(call, statusCode, headers, decoded, ids.rewrite);
  if (isEventStream(headers)) {
    const { status } = await forwardResponsesStream(call, result.response, decoded, ids);
    return call.finish({ status, httpStatus: statusCode });
  }
  return bufferedAnswer(call, statusCode, headers, decoded, ids);
}

/** A Response, a deletion notice or a list of input items: small JSON, read whole. */
async function bufferedAnswer(call: ProxyCall, statusCode: number, headers: IncomingHttpHeaders, body: Readable, ids: ResponseIdRewriter): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, null, statusCode);
  ids.learn(readResponseBody(read.bytes).response);
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), ids.rewrite(read.bytes));
  call.finish({ status: delivered ? UsageStatus.SUCCESS : UsageStatus.CLIENT_ABORT, httpStatus: statusCode });
}

const AFTER = /([?&]after=)([^&]*)/g;

/** The query string with each `after` item id replaced by the upstream one (`upstreamIdOf`); the rest as sent. */
function replaceAfterItems(
  query: string,
  upstreamIdOf: (id: string) => string | null,
): { ok: true; query: string; upstreamIds: string[] } | { ok: false; id: string } {
  const upstreamIds: string[] = [];
  let unknown: string | undefined;
  const replaced = query.replace(AFTER, (whole, name: string, value: string) => {
    const id = decodeQueryValue(value);
    const upstreamId = id === null ? null : upstreamIdOf(id);
    if (upstreamId === null) unknown ??= id ?? value;
    else upstreamIds.push(upstreamId);
    return upstreamId === null ? whole : `${name}${encodeURIComponent(upstreamId)}`;
  });
  return unknown === undefined ? { ok: true, query: replaced, upstreamIds } : { ok: false, id: unknown };
}

function decodeQueryValue(value: string): string | null {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return null;
  }
}
