import { describe, expect, it } from 'vitest';
import { CredentialHealth, isRetryableStatus, retryAfterMs } from '../../../data-plane/proxy/credentials.js';
import type { UpstreamCredential } from '../../../data-plane/proxy/upstream.js';

function credential(id: string, weight = 1): UpstreamCredential {
  return { id, weight, basePath: '', apiKey: id, dispatcher: undefined as never };
}

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMs({ 'retry-after': 'Thu, 26 Nov 2026 12:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Thu, 26 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
  });
  it('is null when the upstream did not say, or said something unreadable', () => {
    expect(retryAfterMs({}, now)).toBeNull();
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeNull();
    expect(retryAfterMs({ 'retry-after-ms': '-5' }, now)).toBeNull();
  });
});

describe('isRetryableStatus', () => {
  it('is true for 429 and server errors other than 501 and 505', () => {
    expect([429, 500, 502, 503, 504, 529].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 413, 501, 505].some(isRetryableStatus)).toBe(false);
  });
});

describe('CredentialHealth.pick', () => {
  it('prefers weighted, untried, healthy credentials; standbys next; then whichever recovers first', () => {
    let clock = 1_000;
    const health = new CredentialHealth(() => clock);
    const [a, b, standby] = [credential('a'), credential('b'), credential('standby', 0)];
    const all = [a, b, standby];
    expect(health.pick(all, new Set(['a']))).toEqual({ credential: b, fresh: true });
    expect(health.pick(all, new Set(['a', 'b']))).toEqual({ credential: standby, fresh: true });
    health.failed(a, 500);
    health.failed(b, 100);
    expect(health.pick([a, b], new Set())).toEqual({ credential: b, fresh: false });
    // Untried ranks before tried, whatever their cool-downs.
    expect(health.pick([a, b], new Set(['b']))).toEqual({ credential: a, fresh: false });
    clock += 101;
    expect(health.pick([a, b], new Set())).toEqual({ credential: b, fresh: true });
    health.succeeded(a);
    expect(health.pick([a], new Set())).toEqual({ credential: a, fresh: true });
  });
  it('keeps the longer of two cool-downs', () => {
    let clock = 0;
    const health = new CredentialHealth(() => clock);
    const a = credential('a');
    health.failed(a, 1000);
    health.failed(a, 10);
    clock = 500;
    expect(health.pick([a], new Set())?.fresh).toBe(false);
  });
  it('returns null without credentials', () => {
    expect(new CredentialHealth().pick([], new Set())).toBeNull();
  });
});
