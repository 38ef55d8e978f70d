import type { H3Event } from 'h3';
import { UsageStatus } from '../../../shared/usage-event.js';
import { ProxyCall, type ProxyDeps } from '../../proxy/call.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../proxy/headers.js';
import { withNodeResponse } from '../../proxy/respond.js';
import { callUpstream, decodedBody, discardBody, readAll, type UpstreamSource } from '../../proxy/upstream.js';

/**
 * `GET /v1/models`: the upstream's list, narrowed to the models the key may use. Listing
 * calls no model and consumes no tokens, so it logs a line but records no usage event.
 */
export function modelsHandler(deps: ProxyDeps, upstreams: UpstreamSource): (event: H3Event) => unknown {
  return (event) =>
    withNodeResponse(event, async (req, res) => {
      const call = new ProxyCall(deps, event, req, res, false);
      try {
        await handle(deps, upstreams, call);
      } catch (error) {
        await call.crash(error);
      }
    });
}

async function handle(deps: ProxyDeps, upstreams: UpstreamSource, call: ProxyCall): Promise<void> {
  const upstream = await upstreams.get();
  call.useUpstream(upstream);
  if (!(await call.authenticate(deps.keys))) return;
  const result = await callUpstream(upstream, {
    method: 'GET',
    path: '/models',
    headers: upstreamRequestHeaders(call.req.headers, upstream.apiKey, false),
    signal: call.signal,
  });
  if (!result.ok) return call.failUpstream(result.failure, null);
  const { statusCode, headers, body } = result.response;
  const decoded = decodedBody(body, headers['content-encoding']);
  if (decoded === null) {
    discardBody(body);
    return call.failUpstream({ kind: 'unreachable', reachedUpstream: true, code: 'UNSUPPORTED_CONTENT_ENCODING' }, null);
  }
  const read = await readAll(decoded, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, null, statusCode);
  const succeeded = statusCode >= 200 && statusCode < 300;
  let bytes: Uint8Array = read.bytes;
  if (succeeded && call.key?.allowedModels != null) {
    const filtered = filterModelList(read.bytes, call.key.allowedModels);
    if (filtered === null) return call.failUpstream({ kind: 'unreachable', reachedUpstream: true, code: 'UNEXPECTED_MODEL_LIST' }, null);
    bytes = filtered;
  }
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), bytes);
  const status = !delivered ? UsageStatus.CLIENT_ABORT : succeeded ? UsageStatus.SUCCESS : UsageStatus.UPSTREAM_ERROR;
  call.finish({ status, httpStatus: statusCode });
}

/** The list with only the allowed models, in OpenAI's list shape; null if the upstream's is not one. */
export function filterModelList(bytes: Uint8Array, allowedModels: readonly string[]): Uint8Array | null {
  let list: unknown;
  try {
    list = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof list !== 'object' || list === null || !Array.isArray((list as Record<string, unknown>)['data'])) return null;
  const allowed = new Set(allowedModels);
  const data = ((list as Record<string, unknown>)['data'] as unknown[]).filter((model) => {
    const id = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['id'] : undefined;
    return typeof id === 'string' && allowed.has(id);
  });
  return Buffer.from(JSON.stringify({ ...(list as Record<string, unknown>), object: 'list', data }));
}
