import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { UsageStatus } from '../../../shared/usage-event.js';
import type { CatalogueEntry } from '../../catalogue/catalogue.js';
import { CLIENT_CLOSED_REQUEST, NO_TOKENS, type ProxyCall, type ProxyDeps } from '../../proxy/call.js';
import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import { clientResponseHeaders } from '../../proxy/headers.js';
import { readRequestBody } from '../../proxy/read-body.js';
import { readAll, type Upstream } from '../../proxy/upstream.js';
import { OPENAI_PROVIDER } from './auth.js';
import { modelAllowed } from './chat-request.js';
import type { OpenAIUpstreams } from './upstream.js';

/** What a pass-through route's parser makes of a body: a request naming its model, or a refusal. */
export type RouteRequestParse<R extends { model: string }> = { ok: true; request: R } | { ok: false; error: GatewayError; model?: string };

/** The route a call arrived on: its path for messages, and what a model must be able to do there. */
export interface PassThroughRoute<R extends { model: string }> {
  path: string;
  /** The catalogue capability the route needs, e.g. `embeddings`. */
  capability: string;
  /** How a model without the capability is described in the refusal: "an embeddings model". */
  capabilityName: string;
  parse(bytes: Buffer): RouteRequestParse<R>;
}

/** A call admitted to an OpenAI pass-through route: the validated request, its catalogue model and the upstream. */
export interface Admitted<R> {
  request: R;
  model: CatalogueEntry;
  upstream: Upstream;
}

/**
 * Everything before the upstream call on a route that passes OpenAI's own API through
 * (embeddings, responses), in chat-completions' order: authenticate, read and validate the
 * body, resolve the model in the catalogue, check the key's allowlist, then the route's
 * own rules (OpenAI models only, with the route's capability) and the upstream. Answers
 * every refusal itself, ending the call; returns null then.
 */
export async function admitPassThrough<R extends { model: string }>(
  deps: ProxyDeps,
  upstreams: OpenAIUpstreams,
  call: ProxyCall,
  route: PassThroughRoute<R>,
): Promise<Admitted<R> | null> {
  if (!(await call.authenticate(deps.keys))) return null;
  const refuse = async (error: GatewayError, extra?: OutgoingHttpHeaders): Promise<null> => {
    await call.reject(error, extra);
    return null;
  };
  const read = await readRequestBody(call.req, deps.config.maxRequestBodyBytes);
  if (read.kind === 'aborted') {
    // The client left while still sending: nothing reached the upstream, so nothing to bill.
    call.finish({ status: UsageStatus.CLIENT_ABORT, httpStatus: CLIENT_CLOSED_REQUEST });
    return null;
  }
  // `connection: close`: the rest of an oversized body is not worth reading just to keep the socket.
  if (read.kind === 'too_large') return refuse(gatewayErrors.tooLarge(deps.config.maxRequestBodyBytes), { connection: 'close' });
  const parsed = route.parse(read.bytes);
  if (!parsed.ok) {
    if (parsed.model !== undefined) call.setModel(parsed.model);
    return refuse(parsed.error);
  }
  const { request } = parsed;
  const model = call.setModel(request.model);
  if (model === null) return refuse(gatewayErrors.modelNotFound(call.model));
  call.provider = model.provider;
  // The key is non-null after authenticate; the check keeps the types honest.
  if (call.key === null || !modelAllowed(call.key.allowedModels, request.model)) return refuse(gatewayErrors.modelNotAllowed(request.model));
  // These routes forward OpenAI's wire format as it is: there is no translation to other providers.
  if (model.provider !== OPENAI_PROVIDER) return refuse(gatewayErrors.openAIModelsOnly(call.model, model.provider, route.path));
  if (!model.capabilities.includes(route.capability)) return refuse(gatewayErrors.modelLacksCapability(call.model, route.path, route.capabilityName));
  const choice = await upstreams.forProvider(model.provider);
  if (!choice.ok) {
    // Not the client's fault and not passing either: `x-should-retry: false` stops the SDKs retrying a 503.
    const error = gatewayErrors.providerNotConfigured(call.model, model.provider);
    const delivered = await call.sendError(error, { 'x-should-retry': 'false' });
    call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: error.status });
    return null;
  }
  call.useUpstream(choice.upstream);
  return { request, model, upstream: choice.upstream };
}

/**
 * The bytes to send upstream: the client's own when the upstream knows the model by the
 * public name, else the same body with only `model` replaced.
 */
export function bodyForUpstream(bytes: Buffer, fields: Readonly<Record<string, unknown>>, publicModel: string, upstreamModel: string): Uint8Array {
  return upstreamModel === publicModel ? bytes : Buffer.from(JSON.stringify({ ...fields, model: upstreamModel }));
}

/** Reads `model` as chat-request.ts does: present, a non-empty string. */
export function requiredModel(fields: Readonly<Record<string, unknown>>): { ok: true; model: string } | { ok: false; error: GatewayError } {
  const model = fields['model'];
  if (model === undefined || model === null) return { ok: false, error: gatewayErrors.missingParameter('model') };
  if (typeof model !== 'string' || model === '') return { ok: false, error: gatewayErrors.invalidType('model', 'a non-empty string') };
  return { ok: true, model };
}

/**
 * Passes an upstream error answer (a small JSON body) through unchanged, status, body and
 * allowlisted headers alike; it bills nothing. `rewrite` may change the body's bytes (the
 * Responses routes bind the response and item ids it names).
 */
export async function passUpstreamError(
  call: ProxyCall,
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: Readable,
  rewrite: (bytes: Uint8Array) => Uint8Array = (bytes) => bytes,
): Promise<void> {
  const read = await readAll(body, call.firstByte, call.signal);
  if (!read.ok) return call.failUpstream(read.failure, null, statusCode);
  const delivered = await call.send(statusCode, clientResponseHeaders(headers), rewrite(read.bytes));
  call.finish({ status: delivered ? UsageStatus.UPSTREAM_ERROR : UsageStatus.CLIENT_ABORT, httpStatus: statusCode, tokens: NO_TOKENS });
}
