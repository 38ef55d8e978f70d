import type { H3Event } from 'h3';
import { extractApiKey } from '../../../shared/api-key.js';
import { UsageStatus } from '../../../shared/usage-event.js';
import { CLIENT_CLOSED_REQUEST, ProxyCall, type ProxyDeps } from '../../proxy/call.js';
import { readRequestBody } from '../../proxy/read-body.js';
import { withNodeResponse } from '../../proxy/respond.js';
import type { Upstream } from '../../proxy/upstream.js';
// One model policy for every provider's routes.
import { modelAllowed } from '../openai/chat-request.js';
import { forwardGemini } from './answer.js';
import { geminiErrors, renderGoogleError } from './errors.js';
import { parseGeminiRequest } from './request.js';
import { parseGeminiTarget, type GeminiTarget } from './target.js';
import { GEMINI_PROVIDER } from './upstream.js';

/**
 * `POST /{v1beta|v1}/models/{model}:{method}`: authenticate, validate, forward, stream back,
 * account. Every answer the gateway gives itself is in Google's error shape.
 */
export function geminiModelsHandler(deps: ProxyDeps, upstream: Upstream): (event: H3Event) => unknown {
  return (event) =>
    withNodeResponse(event, async (req, res) => {
      const parsed = parseGeminiTarget(event.url);
      // countTokens is free at Google and calls no model to generate anything, so, like
      // listing models, it is logged but records no usage event (a zero-token row per
      // count would only bloat the usage table and the customer's statements).
      const billed = parsed.ok && parsed.target.method !== 'countTokens';
      const call = new ProxyCall(deps, event, req, res, billed, renderGoogleError);
      call.provider = GEMINI_PROVIDER;
      try {
        if (!parsed.ok) return await call.reject(geminiErrors.unknownMethod(req.method ?? 'POST', event.url.pathname));
        await handle(deps, upstream, call, parsed.target);
      } catch (error) {
        await call.crash(error);
      }
    });
}

async function handle(deps: ProxyDeps, upstream: Upstream, call: ProxyCall, target: GeminiTarget): Promise<void> {
  // The price is pinned on arrival; the entry also names the model Google knows.
  const model = call.setModel(target.model);
  call.useUpstream(upstream);
  if (!(await authenticate(deps, call, target.queryKey))) return;
  // Only what the catalogue lists (and prices) as a Gemini model is served: anything else
  // would run on our Google account without a price to bill it by.
  if (model === null || model.provider !== GEMINI_PROVIDER) {
    return call.reject(geminiErrors.modelNotFound(target.model, target.apiVersion, target.method));
  }
  if (upstream.credentials().length === 0) {
    // Not the client's doing, and as the other providers' routes record it: an upstream error.
    const error = geminiErrors.notConfigured();
    const delivered = await call.sendError(error);
    return call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: error.status });
  }
  if (target.method === 'streamGenerateContent' && !target.sse) return call.reject(geminiErrors.sseRequired());
  if (call.key === null || !modelAllowed(call.key.allowedModels, target.model)) {
    return call.reject(geminiErrors.modelNotAllowed(target.model));
  }
  const read = await readRequestBody(call.req, deps.config.maxRequestBodyBytes);
  // The client left while still sending: nothing reached the upstream, so nothing to bill.
  if (read.kind === 'aborted') return call.finish({ status: UsageStatus.CLIENT_ABORT, httpStatus: CLIENT_CLOSED_REQUEST });
  // `connection: close`: the rest of an oversized body is not worth reading just to keep the socket.
  if (read.kind === 'too_large') return call.reject(geminiErrors.tooLarge(deps.config.maxRequestBodyBytes), { connection: 'close' });
  const request = parseGeminiRequest(read.bytes, target, model.upstreamModel);
  if (!request.ok) return call.reject(request.error);
  await forwardGemini(call, upstream, target, request.request, model.upstreamModel);
}

/**
 * Resolves the caller's key from the headers (`x-goog-api-key`, as the SDK sends it, or
 * the other providers' headers) or else from `?key=`, and answers 401 in Google's shape.
 * Done here rather than in ProxyCall.authenticate because the query key is Gemini's alone.
 */
async function authenticate(deps: ProxyDeps, call: ProxyCall, queryKey: string | null): Promise<boolean> {
  const h = call.req.headers;
  const raw =
    extractApiKey({ authorization: h.authorization ?? null, 'x-api-key': single(h['x-api-key']), 'x-goog-api-key': single(h['x-goog-api-key']) }) ??
    queryKey;
  if (raw === null) {
    await call.reject(geminiErrors.missingApiKey());
    return false;
  }
  call.key = await deps.keys.authenticate(raw);
  if (call.key !== null) return true;
  await call.reject(geminiErrors.invalidApiKey());
  return false;
}

function single(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
