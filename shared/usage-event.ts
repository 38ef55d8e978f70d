/**
 * How a proxied request ended. Every authenticated request produces exactly one
 * usage event with one of these, however it ended.
 */
export const UsageStatus = {
  /** The upstream answered 2xx and the answer reached the client. */
  SUCCESS: 'SUCCESS',
  /** The upstream answered with an error status, or the connection to it failed. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  /** The upstream did not answer (or stalled) within the configured timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The client went away before the answer was complete; the upstream call was aborted. */
  CLIENT_ABORT: 'CLIENT_ABORT',
  /** The gateway refused the request itself (model not allowed, malformed, too large). */
  REJECTED: 'REJECTED',
} as const;
export type UsageStatus = (typeof UsageStatus)[keyof typeof UsageStatus];

/**
 * The usage-event contract between the data-plane (writer) and the control-plane
 * (queries): metadata about one model call, never its content.
 */
export interface UsageEvent {
  /** UUIDv7, also returned to the client in the `x-tokenbyte-request-id` header. */
  requestId: string;
  /** When the request arrived (ISO 8601). */
  createdAt: string;
  accountId: string;
  apiKeyId: string;
  provider: string;
  model: string;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** True when the provider reported no usage (for example an aborted stream) and the counts are an estimate. */
  usageEstimated: boolean;
  status: UsageStatus;
  /** The HTTP status the client received (or would have, for an abort). */
  httpStatus: number;
  latencyMs: number;
  /** Time to the first byte of the answer, when one arrived. */
  ttftMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

/** The `usage_event` columns, in the order {@link usageEventRow} returns values. */
export const USAGE_EVENT_COLUMNS = [
  'request_id',
  'created_at',
  'account_id',
  'api_key_id',
  'provider',
  'model',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'usage_estimated',
  'status',
  'http_status',
  'latency_ms',
  'ttft_ms',
  'client_ip',
  'user_agent',
] as const;

/** One event as the values of a `usage_event` row, matching {@link USAGE_EVENT_COLUMNS}. */
export function usageEventRow(e: UsageEvent): unknown[] {
  return [
    e.requestId,
    e.createdAt,
    e.accountId,
    e.apiKeyId,
    e.provider,
    e.model,
    e.inputTokens,
    e.cachedInputTokens,
    e.outputTokens,
    e.reasoningTokens,
    e.usageEstimated,
    e.status,
    e.httpStatus,
    e.latencyMs,
    e.ttftMs,
    e.clientIp,
    e.userAgent?.slice(0, 512) ?? null,
  ];
}
