/** Longest wait between attempts to reach the database again. */
export const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The wait before the next retry: `intervalMs` doubled per consecutive failure, capped
 * at 30 s (or `intervalMs` if larger), with ±20 % jitter so a fleet of data-plane
 * instances does not hammer a recovering database in step.
 */
export function retryDelayMs(failedRetries: number, intervalMs: number, random: () => number = Math.random): number {
  const base = Math.min(intervalMs * 2 ** Math.min(failedRetries, 16), Math.max(MAX_RETRY_DELAY_MS, intervalMs));
  return Math.round(base * (0.8 + random() * 0.4));
}

/** Runs async sections one after another, in call order: one flush or replay touches the database at a time. */
export function createLock(): { run<T>(section: () => Promise<T>): Promise<T> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(section) {
      const result = tail.then(section);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
