// Scripting vocabulary of the fake Anthropic upstream (fake-anthropic.ts): what a queued behaviour
// can make the next request do, and factories for the real API's common failures.
import type { FakeToolCall, StopReason, StreamOptions, UsageScript } from './fake-anthropic-wire.js';
import type { CutEnding } from './fake-server.js';

export type { CutEnding };

export const FAKE_ANTHROPIC_API_KEY = 'sk-ant-fake-upstream';
/** Default reply: 5 pieces ("Hello", " from", " the", " fake", " Claude!"), so 5 output tokens. */
export const DEFAULT_REPLY_TEXT = 'Hello from the fake Claude!';
export const DEFAULT_CHUNK_DELAY_MS = 5;
/** A current anthropic-version; the fake requires the header but, like the API for known versions, accepts any value. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** How the fake answers a successful request; every field is optional. */
export interface ReplyScript {
  /** Reply text (split into word pieces, one token each) or the exact pieces to stream. */
  text?: string | readonly string[];
  /** Tool calls after the text; their presence makes stop_reason `tool_use`. */
  toolCalls?: readonly FakeToolCall[];
  usage?: UsageScript;
  stopReason?: StopReason;
  /** Model reported back; defaults to the requested model. */
  model?: string;
  /** Pause between stream events; a large value makes a slow stream. */
  chunkDelayMs?: number;
  /** Pause before the response headers are sent. */
  latencyMs?: number;
  /** Extra response headers, overriding the standard ones. */
  headers?: Record<string, string>;
  /** message_delta carries only output_tokens (the API's older form). */
  legacyDeltaUsage?: boolean;
  /** What message_start reports when it differs from the final counts. */
  startUsage?: StreamOptions['startUsage'];
}

export interface ErrorScript {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

/** A scripted behaviour for one upcoming request; `path` restricts it to that pathname. */
export type FakeBehaviour = { path?: string } & (
  | ({ kind: 'reply' } & ReplyScript)
  | ({ kind: 'error' } & ErrorScript)
  | { kind: 'hang' }
  | ({ kind: 'cut'; afterDeltas: number; then: CutEnding } & ReplyScript)
  | ({ kind: 'stream-error'; afterDeltas: number; type: string; message: string } & ReplyScript)
);

export function reply(script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script };
}

/** Never answers (not even headers), to exercise timeouts and aborts. */
export function hang(): FakeBehaviour {
  return { kind: 'hang' };
}

/** A reply whose stream events come `chunkDelayMs` apart, to exercise client disconnects mid-stream. */
export function slowStream(chunkDelayMs: number, script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script, chunkDelayMs };
}

/**
 * Stops after message_start and `afterDeltas` content deltas: no block stops, no message_delta,
 * no message_stop. Non-streaming requests get half of their JSON body instead.
 */
export function cutStream(afterDeltas: number, then: CutEnding = 'end', script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'cut', ...script, afterDeltas, then };
}

/** A 200 stream that fails after `afterDeltas` deltas with an `error` event, as the API does when it overloads mid-answer. */
export function streamError(afterDeltas: number, type = 'overloaded_error', message = 'Overloaded'): FakeBehaviour {
  return { kind: 'stream-error', afterDeltas, type, message };
}

export function apiError(script: ErrorScript): FakeBehaviour {
  return { kind: 'error', ...script };
}

/** 429 with `retry-after` and exhausted `anthropic-ratelimit-*` headers, worded like the API's. */
export function rateLimited(options: { retryAfterSeconds?: number } = {}): FakeBehaviour {
  const seconds = options.retryAfterSeconds ?? 20;
  const reset = new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return apiError({
    status: 429,
    type: 'rate_limit_error',
    message:
      'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: ' +
      'https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the ' +
      'prompt length or the maximum tokens requested, or try again later.',
    headers: {
      'retry-after': String(seconds),
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': reset,
    },
  });
}

/** 529, the API's answer when it is overloaded for everyone. */
export function overloaded(): FakeBehaviour {
  return apiError({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
}

export function badRequest(message: string): FakeBehaviour {
  return apiError({ status: 400, type: 'invalid_request_error', message });
}

export function internalError(message = 'Internal server error'): FakeBehaviour {
  return apiError({ status: 500, type: 'api_error', message });
}
