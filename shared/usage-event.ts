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
 *
 * Token counts follow one convention whatever the provider reports, so that cost is
 * computed the same way for all (see `costOf` in shared/pricing.ts):
 * - `inputTokens` counts ALL input tokens: uncached, read from a prompt cache and
 *   written to one (Anthropic reports these three separately: add them up);
 * - `cachedInputTokens` and `cacheWriteTokens` are parts of `inputTokens`, and
 *   `cacheWrite1hTokens` (writes to a one-hour cache) a part of `cacheWriteTokens`;
 * - `outputTokens` counts ALL output tokens, reasoning included (Gemini reports
 *   thoughts apart from candidates: add them up);
 * - `reasoningTokens` is a part of `outputTokens`.
 *
 * The event is written to the spool as JSON, so 64-bit money travels as a decimal string.
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
  /** Every input token, cached reads and cache writes included. */
  inputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens). */
  cacheWriteTokens: number;
  /** Input tokens written to a one-hour prompt cache (part of cacheWriteTokens; Anthropic's `ttl: "1h"`). */
  cacheWrite1hTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens: number;
  /** The catalogue price version the call was costed with; null when the model was not in the catalogue (a refused call). */
  priceVersionId: string | null;
  /** The exact cost in pico-USD (1e-12 $) as a decimal integer string: JSON has no 64-bit integers. */
  costPicoUsd: string;
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
  'cache_write_tokens',
  'price_version_id',
  'cost_picousd',
  'cache_write_1h_tokens',
] as const;

/**
 * One event as the values of a `usage_event` row, matching {@link USAGE_EVENT_COLUMNS}.
 * An event spooled by a gateway older than the price catalogue lacks the cost fields;
 * it is written as uncosted (0, no price version), never guessed. One spooled before
 * one-hour cache writes were told apart has none (0): its cost already counted them.
 *
 * @throws Error when `costPicoUsd` is not a non-negative decimal integer (a corrupted spool line).
 */
export function usageEventRow(e: UsageEvent): unknown[] {
  const cost = (e.costPicoUsd as string | undefined) ?? '0';
  if (typeof cost !== 'string' || !/^\d{1,19}$/.test(cost)) throw new Error(`costPicoUsd is not a decimal integer: ${String(cost)}`);
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
    (e.cacheWriteTokens as number | undefined) ?? 0,
    (e.priceVersionId as string | null | undefined) ?? null,
    cost,
    (e.cacheWrite1hTokens as number | undefined) ?? 0,
  ];
}
