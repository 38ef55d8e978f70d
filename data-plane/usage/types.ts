import type { UsageEvent } from '../../shared/usage-event.js';

/** Where the proxy hands every usage event; never blocks the request. */
export interface UsageSink {
  record(event: UsageEvent): void;
}
