import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { H3Event } from 'h3';
import { extractApiKey } from '../../shared/api-key.js';
import { clientIp } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { costOf } from '../../shared/pricing.js';
import { UsageStatus, type UsageEvent } from '../../shared/usage-event.js';
import type { AuthenticatedKey, KeyAuthenticator } from '../auth/types.js';
import type { Catalogue, CatalogueEntry, PriceQuote } from '../catalogue/catalogue.js';
import type { DataPlaneConfig } from '../config.js';
import type { UsageSink } from '../usage/types.js';
import { gatewayErrors, type GatewayError, type GatewayErrorRenderer } from './errors.js';
import { responseEnded, sendBytes, sendJson, withNodeResponse } from './respond.js';
import type { MidStreamReport, StreamEnding } from './stream.js';
import { discardBody, type Upstream, type UpstreamFailure } from './upstream.js';

/** nginx's "client closed request": recorded when a client left before any status was sent. */
export const CLIENT_CLOSED_REQUEST = 499;
// The usage_event columns' widths.
const MAX_MODEL_LENGTH = 128;

/** Token counts in the convention of shared/usage-event.ts: cached, cache-write and reasoning tokens are parts of input and output. */
export interface TokenCounts {
  inputTokens: number;
  cachedInputTokens: number;
  /** Input tokens written to a prompt cache; providers without cache-write billing leave it out (0). */
  cacheWriteTokens?: number;
  /** The part of cacheWriteTokens written to a one-hour cache (Anthropic); 0 when left out. */
  cacheWrite1hTokens?: number;
  outputTokens: number;
  reasoningTokens: number;
}

export const NO_TOKENS: TokenCounts = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 };

/** How a call ended, as the usage event and the log line report it. */
export interface CallOutcome {
  status: UsageStatus;
  httpStatus: number;
  tokens?: TokenCounts;
  usageEstimated?: boolean;
}

/** What every proxied route needs from the composition root. */
export interface ProxyDeps {
  config: DataPlaneConfig;
  logger: Logger;
  keys: KeyAuthenticator;
  usage: UsageSink;
  /** Public model names → provider, upstream model and price; every usage event is costed from it. */
  catalogue: Catalogue;
}

/**
 * One proxied request from arrival to its single usage event and log line: the request
 * id, the clock, the caller's key, and the responses the gateway answers itself.
 */
export class ProxyCall {
  readonly requestId = newId();
  readonly createdAt = new Date().toISOString();
  readonly log: Logger;
  /** Aborts when the client goes away before the response is complete (srvx ties it to the response's `close`). */
  readonly signal: AbortSignal;
  key: AuthenticatedKey | null = null;
  model = '';
  provider = 'unknown';
  readonly #start = performance.now();
  /** The price in effect when the call arrived, pinned by setModel: a price change mid-call does not touch it. */
  #price: PriceQuote | null = null;
  #ttftMs: number | null = null;
  #finished = false;
  #clientHeaders: Readonly<Record<string, string>> = {};

  constructor(
    private readonly deps: ProxyDeps,
    private readonly event: H3Event,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** False for routes that call no model (listing models): they log but record no usage. */
    private readonly recordsUsage: boolean,
    /** The provider's error shape for the gateway's own answers; OpenAI's when omitted. */
    private readonly renderError: GatewayErrorRenderer = openAIErrorShape,
  ) {
    this.log = deps.logger.child({ requestId: this.requestId });
    this.signal = event.req.signal;
  }

  /** Headers every response of a proxied route carries. */
  headers(extra?: OutgoingHttpHeaders): OutgoingHttpHeaders {
    return { ...extra, ...this.#clientHeaders, 'x-tokenbyte-request-id': this.requestId };
  }

  useUpstream(upstream: Upstream): void {
    this.provider = upstream.provider;
    this.#clientHeaders = upstream.clientHeaders;
  }

  /**
   * Records the public model name the client asked for and pins the catalogue price in
   * effect when the call arrived, so every route's usage event is costed alike. Returns
   * the catalogue entry when the model is enabled and priced, else null: an unknown model
   * (the route answers model_not_found) or a refusal that names no real model.
   */
  setModel(model: string): CatalogueEntry | null {
    this.model = model.slice(0, MAX_MODEL_LENGTH);
    const entry = this.deps.catalogue.resolve(model);
    this.#price = entry?.priceAt(Date.parse(this.createdAt)) ?? null;
    return this.#price === null ? null : entry;
  }

  /** Resolves the caller's key; answers 401 itself (no usage event: there is no one to bill). */
  async authenticate(keys: KeyAuthenticator): Promise<boolean> {
    const h = this.req.headers;
    const raw = extractApiKey({ authorization: h.authorization ?? null, 'x-api-key': single(h['x-api-key']), 'x-goog-api-key': single(h['x-goog-api-key']) });
    this.key = raw === null ? null : await keys.authenticate(raw);
    if (this.key !== null) return true;
    const error = raw === null ? gatewayErrors.missingApiKey() : gatewayErrors.invalidApiKey();
    await this.sendError(error);
    this.finish({ status: UsageStatus.REJECTED, httpStatus: error.status });
    return false;
  }

  /** Marks the first body byte from the upstream. */
  firstByte = (): void => {
    this.#ttftMs ??= Math.round(performance.now() - this.#start);
  };

  sendError(error: GatewayError, extra?: OutgoingHttpHeaders): Promise<boolean> {
    return sendJson(this.res, error.status, this.headers(extra), this.renderError(error, this.requestId));
  }

  send(status: number, headers: OutgoingHttpHeaders, body: Uint8Array): Promise<boolean> {
    return sendBytes(this.res, status, this.headers(headers), body);
  }

  /** Answers a refusal of the gateway's own and records it as REJECTED. */
  async reject(error: GatewayError, extra?: OutgoingHttpHeaders): Promise<void> {
    const delivered = await this.sendError(error, extra);
    this.finish({ status: delivered ? UsageStatus.REJECTED : UsageStatus.CLIENT_ABORT, httpStatus: error.status });
  }

  /**
   * Answers an upstream failure that happened before any upstream byte was sent to the
   * client. `upstreamStatus` is the status the upstream had already answered, if any: what
   * the client would have received had it stayed.
   */
  async failUpstream(failure: UpstreamFailure, tokens: TokenCounts | null, upstreamStatus?: number): Promise<void> {
    const usage = tokens === null ? {} : { tokens, usageEstimated: true };
    if (failure.kind === 'client_abort') {
      return this.finish({ status: UsageStatus.CLIENT_ABORT, httpStatus: upstreamStatus ?? CLIENT_CLOSED_REQUEST, ...usage });
    }
    this.log.warn({ upstreamError: failure.code, provider: this.provider }, 'upstream call failed');
    const timeout = failure.kind === 'timeout';
    const error = timeout ? gatewayErrors.upstreamTimeout() : gatewayErrors.upstreamUnreachable();
    const delivered = await this.sendError(error);
    const status = !delivered ? UsageStatus.CLIENT_ABORT : timeout ? UsageStatus.TIMEOUT : UsageStatus.UPSTREAM_ERROR;
    this.finish({ status, httpStatus: error.status, ...usage });
  }

  /** Fails a call whose upstream answered in an encoding the gateway cannot decode; its body is dropped. */
  failUndecodable(body: Readable): Promise<void> {
    discardBody(body);
    return this.failUpstream({ kind: 'unreachable', reachedUpstream: true, code: 'UNSUPPORTED_CONTENT_ENCODING' }, null);
  }

  /**
   * Ends a forwarded stream and says how the call ended: `status` (what the stream itself
   * showed) when it completed; the upstream's failure when it broke, which `report` tells
   * the client in the stream's own format; CLIENT_ABORT when the client did not receive
   * the end (unless the gateway cut the connection itself).
   */
  async endStream(ending: StreamEnding, status: UsageStatus, report: MidStreamReport): Promise<UsageStatus> {
    const { res } = this;
    let cut = false;
    if (ending.kind === 'failed') {
      const { failure } = ending;
      status = endingStatus(failure);
      if (failure.kind !== 'client_abort') {
        this.log.warn({ upstreamError: failure.code, provider: this.provider }, 'upstream stream failed');
        const said = report(failure.kind, ending);
        if (said === null) {
          cut = true;
          res.destroy();
        } else if (!res.destroyed) res.write(said);
      }
    }
    if (!res.destroyed) res.end();
    if (!(await responseEnded(res)) && !cut) status = UsageStatus.CLIENT_ABORT;
    return status;
  }

  /** Last resort for a bug: answers 500 if it still can, and still ends the call exactly once. */
  async crash(error: unknown): Promise<void> {
    this.log.error({ err: error }, 'proxy handler failed');
    if (this.#finished) return;
    if (this.res.headersSent) this.res.destroy();
    else await this.sendError(gatewayErrors.internal());
    this.finish({ status: UsageStatus.UPSTREAM_ERROR, httpStatus: this.res.headersSent ? this.res.statusCode : 500 });
  }

  /** Records the usage event (authenticated calls only) and the request's log line; only the first call counts. */
  finish(outcome: CallOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    const latencyMs = Math.round(performance.now() - this.#start);
    if (this.key !== null && this.recordsUsage) this.#record(this.key, outcome, latencyMs);
    this.log.info(
      {
        method: this.req.method,
        path: this.event.url.pathname,
        status: outcome.httpStatus,
        outcome: outcome.status,
        latencyMs,
        ttftMs: this.#ttftMs,
        model: this.model || undefined,
        keyId: this.key?.keyId,
      },
      'request completed',
    );
  }

  #record(key: AuthenticatedKey, outcome: CallOutcome, latencyMs: number): void {
    const tokens = {
      ...(outcome.tokens ?? NO_TOKENS),
      cacheWriteTokens: outcome.tokens?.cacheWriteTokens ?? 0,
      cacheWrite1hTokens: outcome.tokens?.cacheWrite1hTokens ?? 0,
    };
    const event: UsageEvent = {
      requestId: this.requestId,
      createdAt: this.createdAt,
      accountId: key.accountId,
      apiKeyId: key.apiKeyId,
      provider: this.provider,
      model: this.model,
      ...tokens,
      priceVersionId: this.#price?.priceVersionId ?? null,
      costPicoUsd: this.#cost(tokens),
      usageEstimated: outcome.usageEstimated ?? false,
      status: outcome.status,
      httpStatus: outcome.httpStatus,
      latencyMs,
      ttftMs: this.#ttftMs,
      clientIp: clientIp(this.event, this.deps.config.http.trustProxy),
      userAgent: single(this.req.headers['user-agent']),
    };
    try {
      this.deps.usage.record(event);
    } catch (error) {
      // The sink must never fail a request that has already been answered.
      this.log.error({ err: error }, 'usage sink refused an event');
    }
  }

  /** The exact cost in pico-USD at the pinned price; 0 when the call has none (it was refused before naming a known model). */
  #cost(tokens: Required<TokenCounts>): string {
    if (this.#price === null) return '0';
    try {
      return costOf(tokens, this.#price.prices).toString();
    } catch (error) {
      // Counts that are not non-negative integers are a provider adapter's bug; the row still
      // goes to the database (which dead-letters what it cannot store) so the call stays visible.
      this.log.error({ err: error, model: this.model }, 'could not cost a usage event');
      return '0';
    }
  }
}

/**
 * An h3 handler running `handle` for one ProxyCall per request. Whatever `handle` does,
 * the call ends exactly once: a bug becomes {@link ProxyCall.crash} (a 500 while it still
 * can), never a request without its usage event.
 */
export function proxyRoute(
  deps: ProxyDeps,
  options: { recordsUsage: boolean; renderError?: GatewayErrorRenderer },
  handle: (call: ProxyCall, event: H3Event) => Promise<void>,
): (event: H3Event) => unknown {
  return (event) =>
    withNodeResponse(event, async (req, res) => {
      const call = new ProxyCall(deps, event, req, res, options.recordsUsage, options.renderError);
      try {
        await handle(call, event);
      } catch (error) {
        await call.crash(error);
      }
    });
}

/** How a stream that failed after its headers ended, for the usage event. */
function endingStatus(failure: UpstreamFailure): UsageStatus {
  if (failure.kind === 'client_abort') return UsageStatus.CLIENT_ABORT;
  return failure.kind === 'timeout' ? UsageStatus.TIMEOUT : UsageStatus.UPSTREAM_ERROR;
}

// A GatewayError already carries OpenAI's shape.
function openAIErrorShape(error: GatewayError): unknown {
  return error.body;
}

function single(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
