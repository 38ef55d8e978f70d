import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Pool, type Dispatcher } from 'undici';
import type { DataPlaneConfig } from '../config.js';
import type { Logger } from '../../shared/logger.js';
import { backoffMs, CredentialHealth, isRetryableStatus, retryAfterMs, type RetryPolicy } from './credentials.js';

/**
 * One credential of a provider: where requests go and the key they carry. A provider
 * may have several (admins manage them: data-plane/credentials/cache.ts); each call
 * picks one (proxy/credentials.ts).
 */
export interface UpstreamCredential {
  /** Stable id for logs and cool-downs: the database row's id, or `env` for the one from the environment. */
  readonly id: string;
  /** Path prefix of the API on the upstream origin, e.g. `/v1`. */
  readonly basePath: string;
  readonly dispatcher: Dispatcher;
  readonly apiKey: string | undefined;
  /** Share of the traffic; 0 is a standby, used only when every weighted credential has failed. */
  readonly weight: number;
}

/** One provider the proxy forwards to: its credentials and how a request presents one. */
export interface Upstream {
  /** Recorded on usage events, e.g. `openai` or `simulated`. */
  readonly provider: string;
  /** Headers added to every client response while this upstream serves the route. */
  readonly clientHeaders: Readonly<Record<string, string>>;
  /** The credentials in effect now; empty means the provider is not configured. */
  credentials(): readonly UpstreamCredential[];
  /** The provider's scheme for our key, e.g. `['authorization', 'Bearer …']`. */
  authHeader(apiKey: string): readonly [name: string, value: string];
  /** When and how often a failed attempt is tried again. */
  readonly retry: RetryPolicy;
  /** Which credentials failed recently; shared by every route that calls this provider. */
  readonly health: CredentialHealth;
}

/** A credential as configured: its own base URL (with the API's path prefix, if any) and key. */
export interface CredentialSpec {
  id: string;
  baseUrl: string;
  apiKey: string | undefined;
  weight: number;
}

export interface UpstreamOptions {
  provider: string;
  clientHeaders?: Readonly<Record<string, string>>;
  authHeader: Upstream['authHeader'];
  retry: RetryPolicy;
  pools: UpstreamPools;
  /** The credentials in effect; called on every call, so it returns the same array until they change. */
  specs: () => readonly CredentialSpec[];
}

/** An upstream over a changing set of credentials, each reaching its origin through the shared pools. */
export function createUpstream(options: UpstreamOptions): Upstream {
  let seen: readonly CredentialSpec[] | null = null;
  let credentials: readonly UpstreamCredential[] = [];
  return {
    provider: options.provider,
    clientHeaders: options.clientHeaders ?? {},
    authHeader: options.authHeader,
    retry: options.retry,
    health: new CredentialHealth(),
    credentials() {
      const specs = options.specs();
      if (specs !== seen) {
        seen = specs;
        credentials = specs.map((spec) => {
          const { origin, basePath } = splitBaseUrl(spec.baseUrl);
          return { id: spec.id, basePath, dispatcher: options.pools.poolFor(origin), apiKey: spec.apiKey, weight: spec.weight };
        });
      }
      return credentials;
    },
  };
}

/** Where a route finds its upstream; resolving may start one (the simulated provider). */
export interface UpstreamSource {
  get(): Promise<Upstream>;
  close(): Promise<void>;
}

/** Keep-alive pools, one per upstream origin, shared by every route that reaches it. */
export interface UpstreamPools {
  poolFor(origin: string): Pool;
  close(): Promise<void>;
}

/**
 * Creates the upstream pools. undici pools rather than global fetch: on the proxy path
 * fetch managed about 3k requests/s against about 22k for a Pool (see STYLE.md).
 * Pipelining stays at 1 because a slow completion would block every request queued
 * behind it on the same connection.
 */
export function createUpstreamPools(timeouts: DataPlaneConfig['timeouts']): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    poolFor(origin) {
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new Pool(origin, {
          pipelining: 1,
          connectTimeout: timeouts.connectMs,
          headersTimeout: timeouts.firstByteMs,
          bodyTimeout: timeouts.idleMs,
        });
        pools.set(origin, pool);
      }
      return pool;
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      // destroy, not close: a shutdown must not wait for streams that may run for minutes.
      await Promise.all(all.map((pool) => pool.destroy()));
    },
  };
}

/** Splits a base URL like `https://api.openai.com/v1` into the pool origin and the path prefix. */
export function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/** Why an upstream exchange failed; `reachedUpstream` says whether it may have done (and billed) work. */
export type UpstreamFailure =
  | { kind: 'client_abort'; reachedUpstream: true }
  | { kind: 'timeout'; reachedUpstream: boolean; code: string }
  | { kind: 'unreachable'; reachedUpstream: boolean; code: string };

export interface UpstreamCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the credential's base path, e.g. `/chat/completions`. */
  path: string;
  /** Everything but our key, which callUpstream adds for the credential it picks. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The client's request signal: a client that leaves aborts the upstream call. */
  signal: AbortSignal;
  /** The call's logger: retries and failovers are logged on it. */
  log: Logger;
  /**
   * Only this credential may serve the call (no failover to others), because the
   * upstream keeps state under it: a stored OpenAI response lives in one organisation.
   */
  credentialId?: string | undefined;
}

/** An answer comes with the id of the credential that got it. */
export type UpstreamResult = { ok: true; response: Dispatcher.ResponseData; credentialId: string } | { ok: false; failure: UpstreamFailure };

/**
 * Sends one request upstream and returns its response headers, or a classified failure.
 * Nothing has reached the client yet when this returns, so this is the one place that
 * retries: on a connection failure, a 429 or a 5xx, on another credential of the provider
 * when one is healthy (at once) or on the same one (after its `retry-after`, or a jittered
 * backoff), up to `maxAttempts` and never past the policy's deadline. A response that
 * will not be retried is returned as it came, `retry-after` and all, for the client to
 * honour. A first-byte timeout is not retried: the provider was working on it.
 */
export async function callUpstream(upstream: Upstream, call: UpstreamCall): Promise<UpstreamResult> {
  const { retry, health } = upstream;
  const started = Date.now();
  const tried = new Set<string>();
  const candidates = (): readonly UpstreamCredential[] =>
    call.credentialId === undefined ? upstream.credentials() : upstream.credentials().filter((c) => c.id === call.credentialId);
  let next = health.pick(candidates(), tried);
  for (let attempt = 1; ; attempt++) {
    // An admin disabled every credential after the route checked: as unreachable as it gets.
    if (next === null) return { ok: false, failure: { kind: 'unreachable', reachedUpstream: false, code: 'NO_CREDENTIAL' } };
    const { credential } = next;
    tried.add(credential.id);
    const result = await send(upstream, credential, call);
    const retryable = retryableOutcome(result);
    if (retryable === null) {
      if (result.ok) health.succeeded(credential);
      return result;
    }
    health.failed(credential, Math.max(retry.cooldownMs, retryable.retryAfterMs ?? 0));
    if (attempt >= retry.maxAttempts) return result;
    next = health.pick(candidates(), tried);
    if (next === null) return result;
    // Another healthy credential is tried at once; the same (or a cooling) one after the wait it asked for.
    const waitMs = next.fresh ? 0 : (retryable.retryAfterMs ?? backoffMs(retry, attempt));
    if (Date.now() - started + waitMs > retry.deadlineMs) return result;
    call.log.warn(
      { provider: upstream.provider, credential: credential.id, attempt, upstreamStatus: retryable.status, upstreamError: retryable.code, waitMs, next: next.credential.id },
      'retrying upstream call',
    );
    if (result.ok) discardBody(result.response.body);
    if (!(await sleep(waitMs, call.signal))) return { ok: false, failure: { kind: 'client_abort', reachedUpstream: true } };
  }
}

async function send(upstream: Upstream, credential: UpstreamCredential, call: UpstreamCall): Promise<UpstreamResult> {
  const headers = { ...call.headers };
  if (credential.apiKey !== undefined) {
    const [name, value] = upstream.authHeader(credential.apiKey);
    headers[name] = value;
  }
  try {
    const response = await credential.dispatcher.request({
      method: call.method,
      path: credential.basePath + call.path,
      headers,
      body: call.body ?? null,
      signal: call.signal,
    });
    return { ok: true, response, credentialId: credential.id };
  } catch (error) {
    return { ok: false, failure: classifyUpstreamError(error, call.signal) };
  }
}

/** Why an attempt is worth repeating, or null when it is not: the answer (good or bad) stands. */
function retryableOutcome(result: UpstreamResult): { status?: number; code?: string; retryAfterMs: number | null } | null {
  if (!result.ok) {
    const { failure } = result;
    if (failure.kind === 'unreachable' || (failure.kind === 'timeout' && !failure.reachedUpstream)) return { code: failure.code, retryAfterMs: null };
    return null;
  }
  const { statusCode, headers } = result.response;
  // Anthropic says outright when a retry cannot help.
  if (!isRetryableStatus(statusCode) || headers['x-should-retry'] === 'false') return null;
  return { status: statusCode, retryAfterMs: retryAfterMs(headers) };
}

/** Waits `ms`; false when the client left meanwhile. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Failures that happen before a request byte can have reached the upstream.
const CONNECT_PHASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Maps an undici (or stream) error to a failure kind. */
export function classifyUpstreamError(error: unknown, signal: AbortSignal): UpstreamFailure {
  // The signal is checked first: an abort surfaces as whatever error the stream was destroyed with.
  if (signal.aborted) return { kind: 'client_abort', reachedUpstream: true };
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'timeout', reachedUpstream: false, code };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', reachedUpstream: true, code };
  return { kind: 'unreachable', reachedUpstream: !CONNECT_PHASE_CODES.has(code), code };
}

/**
 * The response body as the bytes the gateway can read. We ask for `identity`, but an
 * upstream that compresses anyway is decoded here, so that usage can be read and the
 * client never gets a `content-encoding` that does not match the bytes. Returns null for
 * an encoding the gateway cannot decode.
 */
export function decodedBody(body: Readable, contentEncoding: string | string[] | undefined): Readable | null {
  const encoding = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '')).trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  if (decoder === null) return null;
  // pipeline destroys both ends on failure, so an aborted upstream body ends the decoder too.
  return pipeline(body, decoder, () => undefined);
}

/** Drops a body the gateway will not read, without the 'error' event destroying it would raise. */
export function discardBody(body: Readable): void {
  body.once('error', () => undefined);
  body.destroy();
}

/** Reads a whole (small, non-streaming) body; the first chunk marks time to first byte. */
export async function readAll(body: Readable, onFirstByte: () => void, signal: AbortSignal): Promise<{ ok: true; bytes: Buffer } | { ok: false; failure: UpstreamFailure }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of body) {
      if (parts.length === 0) onFirstByte();
      parts.push(chunk as Buffer);
    }
    return { ok: true, bytes: parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts) };
  } catch (error) {
    return { ok: false, failure: classifyUpstreamError(error, signal) };
  }
}
