import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Pool, type Dispatcher } from 'undici';
import type { DataPlaneConfig } from '../config.js';

/** One upstream the proxy forwards to, with the pool that reaches it. */
export interface Upstream {
  /** Recorded on usage events, e.g. `openai` or `simulated`. */
  readonly provider: string;
  /** Path prefix of the API on the upstream origin, e.g. `/v1`. */
  readonly basePath: string;
  readonly apiKey: string | undefined;
  readonly dispatcher: Dispatcher;
  /** Headers added to every client response while this upstream serves the route. */
  readonly clientHeaders: Readonly<Record<string, string>>;
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
  method: 'GET' | 'POST';
  /** Below the upstream's base path, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The client's request signal: a client that leaves aborts the upstream call. */
  signal: AbortSignal;
}

export type UpstreamResult = { ok: true; response: Dispatcher.ResponseData } | { ok: false; failure: UpstreamFailure };

/** Sends one request upstream; failures come back as values, classified. */
export async function callUpstream(upstream: Upstream, call: UpstreamCall): Promise<UpstreamResult> {
  try {
    const response = await upstream.dispatcher.request({
      method: call.method,
      path: upstream.basePath + call.path,
      headers: call.headers,
      body: call.body ?? null,
      signal: call.signal,
    });
    return { ok: true, response };
  } catch (error) {
    return { ok: false, failure: classifyUpstreamError(error, call.signal) };
  }
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
