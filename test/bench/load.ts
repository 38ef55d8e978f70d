// The load generator: autocannon, closed loop (each connection sends its next request when
// the previous answer is complete), keep-alive, no pipelining.
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Checks a whole response body; a response that fails it counts as a mismatch. */
  verify: (body: string) => boolean;
}

export interface LoadResult {
  /** Complete responses of any status. */
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  seconds: number;
  /** Complete responses per second. */
  rps: number;
  /** Of 2xx responses, in milliseconds, from autocannon's per-response times (not its 1 ms-bucket histogram). */
  p50Ms: number;
  p99Ms: number;
  /** The guard timer stopped the run before it sent its planned amount. */
  truncated: boolean;
}

interface RunOptions {
  connections: number;
  /** Exactly this many requests, every one answered before the run ends... */
  amount?: number;
  /** ...or for this long (in-flight requests are cut off at the end). */
  durationSeconds?: number;
  /** Hard stop, whatever happens. */
  guardMs: number;
}

/** How many latencies a run keeps at most (8 bytes each). */
const MAX_SAMPLES = 4_000_000;
/** Per-request timeout, seconds: far above any healthy latency here. */
const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * One autocannon run. Latencies come from the `response` event, which carries each
 * response time as a float from `process.hrtime`: autocannon's own histogram records whole
 * milliseconds, too coarse for a proxy that should add a fraction of one.
 */
export function runLoad(target: LoadTarget, options: RunOptions): Promise<LoadResult> {
  const capacity = Math.min(MAX_SAMPLES, options.amount ?? MAX_SAMPLES);
  const latencies = new Float64Array(capacity);
  let samples = 0;
  let responses = 0;
  let lastResponseAt = 0;
  let truncated = false;
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body: target.body,
        connections: options.connections,
        pipelining: 1,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds ?? 1 }),
        timeout: REQUEST_TIMEOUT_SECONDS,
        // How often autocannon checks whether it is done: its default (1 s) would idle that long after the last answer.
        sampleInt: 50,
        // autocannon hands over the body it accumulated as a string.
        verifyBody: (body) => typeof body === 'string' && target.verify(body),
      },
      (error, result) => {
        clearTimeout(guard);
        if (error) return reject(error as Error);
        const seconds = ((lastResponseAt || performance.now()) - startedAt) / 1000;
        const sorted = latencies.subarray(0, samples).sort();
        resolve({
          responses,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
          seconds,
          rps: seconds > 0 ? responses / seconds : 0,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          truncated,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      responses += 1;
      lastResponseAt = performance.now();
      if (statusCode >= 200 && statusCode < 300 && samples < capacity) latencies[samples++] = responseTime;
    });
    const guard = setTimeout(() => {
      truncated = true;
      instance.stop();
    }, options.guardMs);
  });
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export interface PhaseOptions {
  connections: number;
  seconds: number;
  /** Sent as `user-agent`, which the data-plane records on each usage event. */
  userAgent: string;
}

function tagged(target: LoadTarget, userAgent: string): LoadTarget {
  return { ...target, headers: { ...target.headers, 'user-agent': userAgent } };
}

/** Runs for `seconds` (JIT, connection pools, key cache); requests in flight at the end are cut off. */
export function warmUp(target: LoadTarget, options: PhaseOptions): Promise<LoadResult> {
  return runLoad(tagged(target, options.userAgent), {
    connections: options.connections,
    durationSeconds: options.seconds,
    guardMs: options.seconds * 1000 + 10_000,
  });
}

/**
 * Sends the number of requests `ratePerSecond` predicts for `seconds`. A fixed count
 * rather than a fixed duration: every request is answered before the run ends, so the
 * data-plane's usage events can be matched one for one.
 */
export function measuredRun(target: LoadTarget, options: PhaseOptions & { ratePerSecond: number }): Promise<LoadResult> {
  const planned = Math.round(options.ratePerSecond * options.seconds);
  return runLoad(tagged(target, options.userAgent), {
    connections: options.connections,
    amount: Math.min(MAX_SAMPLES, Math.max(options.connections * 20, planned)),
    // Slack for a slower measured phase, but never unbounded.
    guardMs: options.seconds * 3000 + 5_000,
  });
}
