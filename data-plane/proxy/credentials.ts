import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamCredential } from './upstream.js';

/** When a failed upstream attempt is tried again (see callUpstream). */
export interface RetryPolicy {
  /** Attempts per call, the first included; 1 turns retries off. */
  maxAttempts: number;
  /** No retry starts, and no wait ends, later than this after the call began. */
  deadlineMs: number;
  /** The first backoff without a `retry-after`; it doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** How long a credential that failed is passed over while others are healthy. */
  cooldownMs: number;
}

/** A credential chosen for an attempt; `fresh` when it was neither tried by this call nor cooling down. */
export interface Pick {
  credential: UpstreamCredential;
  fresh: boolean;
}

/**
 * Which credentials of one provider failed recently. A failed credential cools down: while
 * it does, calls go to the others by weight. Cooling only orders the choice, it never
 * refuses a call: with every credential cooling, the one that recovers first is used.
 */
export class CredentialHealth {
  /** Credential id → when its cool-down ends (ms since the epoch). */
  readonly #coolUntil = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The credential for the next attempt: by weight among those neither tried by this call
   * nor cooling; standbys (weight 0) only when no weighted one is left; then whichever
   * recovers first, untried before tried. Null only when there are no credentials.
   */
  pick(credentials: readonly UpstreamCredential[], tried: ReadonlySet<string>): Pick | null {
    const now = this.now();
    // The common case, one credential: no arrays to build on the hot path.
    if (credentials.length === 1) {
      const only = credentials[0]!;
      return { credential: only, fresh: !tried.has(only.id) && (this.#coolUntil.get(only.id) ?? 0) <= now };
    }
    const fresh = credentials.filter((c) => !tried.has(c.id) && (this.#coolUntil.get(c.id) ?? 0) <= now);
    const weighted = fresh.filter((c) => c.weight > 0);
    if (weighted.length > 0) return { credential: byWeight(weighted), fresh: true };
    if (fresh.length > 0) return { credential: fresh[Math.floor(Math.random() * fresh.length)]!, fresh: true };
    let best: UpstreamCredential | null = null;
    let bestKey = Infinity;
    for (const c of credentials) {
      // Tried ones rank after every untried one; within each group, the earliest recovery wins.
      const key = (this.#coolUntil.get(c.id) ?? 0) + (tried.has(c.id) ? 1e15 : 0);
      if (key < bestKey) [best, bestKey] = [c, key];
    }
    return best === null ? null : { credential: best, fresh: false };
  }

  /** The credential failed: pass it over for `ms` (a longer cool-down already running is kept). */
  failed(credential: UpstreamCredential, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.#coolUntil.get(credential.id) ?? 0)) this.#coolUntil.set(credential.id, until);
  }

  /** The credential answered: it is healthy again. */
  succeeded(credential: UpstreamCredential): void {
    this.#coolUntil.delete(credential.id);
  }
}

function byWeight(credentials: readonly UpstreamCredential[]): UpstreamCredential {
  let total = 0;
  for (const c of credentials) total += c.weight;
  let r = Math.random() * total;
  for (const c of credentials) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return credentials[credentials.length - 1]!;
}

/** Statuses worth another attempt: rate limited, or a server error other than "not implemented" and "version not supported". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * How long the upstream asked us to wait, in ms, or null when it did not say: OpenAI's
 * `retry-after-ms`, else `retry-after` in seconds or as an HTTP date.
 */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number = Date.now()): number | null {
  const ms = single(headers['retry-after-ms']);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = single(headers['retry-after'])?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random wait up to base × 2^(attempt−1). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.round(Math.random() * policy.baseDelayMs * 2 ** (attempt - 1));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
