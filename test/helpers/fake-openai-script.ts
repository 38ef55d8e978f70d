// Scripting vocabulary of the fake OpenAI upstream (fake-openai.ts): what a queued behaviour can
// make the next request do, and factories for the real API's common failures.
import { formatResetDuration, type FinishReason, type UsageScript } from './fake-openai-wire.js';
import type { CutEnding } from './fake-server.js';

export type { CutEnding };

export const FAKE_UPSTREAM_API_KEY = 'sk-fake-upstream';
/** Default completion: 5 pieces ("Hello", " from", " the", " fake", " upstream!"), so 5 completion tokens. */
export const DEFAULT_COMPLETION_TEXT = 'Hello from the fake upstream!';
export const DEFAULT_CHUNK_DELAY_MS = 5;

export interface FakeModel {
  id: string;
  created: number;
  owned_by: string;
}

export const DEFAULT_MODELS: readonly FakeModel[] = [
  { id: 'gpt-4o-mini', created: 1721172741, owned_by: 'openai' },
  { id: 'gpt-4o', created: 1715367049, owned_by: 'openai' },
  { id: 'gpt-4.1-mini', created: 1744318173, owned_by: 'openai' },
  { id: 'text-embedding-3-small', created: 1705948997, owned_by: 'openai' },
  { id: 'text-embedding-3-large', created: 1705953180, owned_by: 'openai' },
];

/** How the fake answers a successful request; every field is optional. */
export interface ReplyScript {
  /** Completion text (split into word pieces, one token each) or the exact pieces to stream. */
  content?: string | readonly string[];
  usage?: UsageScript;
  finishReason?: FinishReason;
  /** Model reported back (the real API reports a dated snapshot); defaults to the requested model. */
  model?: string;
  /** Pause between stream chunks; a large value makes a slow stream. */
  chunkDelayMs?: number;
  /** Pause before the response headers are sent. */
  latencyMs?: number;
  /** Extra response headers, overriding the standard ones. */
  headers?: Record<string, string>;
  /**
   * Responses API only: the response fails after its output. A stream ends with
   * `response.failed` (carrying this error and the usage); a non-streamed request gets the
   * failed Response object.
   */
  fail?: { code: string; message: string };
  /**
   * Responses API only: the output starts with a reasoning item (`rs_…`), as a reasoning
   * model's does; its `summary` pieces (when given) are streamed as
   * `response.reasoning_summary_text.delta` events. Its tokens are `usage.reasoning_tokens`.
   */
  reasoning?: { summary?: readonly string[] };
}

export interface ErrorScript {
  status: number;
  message: string;
  type: string;
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
}

/** A scripted behaviour for one upcoming request; `path` restricts it to that pathname. */
export type FakeBehaviour = { path?: string } & (
  | ({ kind: 'reply' } & ReplyScript)
  | ({ kind: 'error' } & ErrorScript)
  | { kind: 'hang' }
  | ({ kind: 'cut'; afterPieces: number; then: CutEnding } & ReplyScript)
);

export function reply(script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script };
}

/** Never answers (not even headers), to exercise timeouts. */
export function hang(): FakeBehaviour {
  return { kind: 'hang' };
}

/** A reply whose stream chunks come `chunkDelayMs` apart, to exercise client disconnects mid-stream. */
export function slowStream(chunkDelayMs: number, script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script, chunkDelayMs };
}

/**
 * Stops after the role chunk and `afterPieces` content chunks: no finish chunk, no usage, no
 * [DONE]. A Responses stream stops after its `afterPieces`-th `response.output_text.delta`:
 * no done events, no terminal event, no usage. Non-streaming requests (embeddings too) get
 * half of their JSON body instead.
 */
export function cutStream(afterPieces: number, then: CutEnding = 'end', script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'cut', ...script, afterPieces, then };
}

export function apiError(script: ErrorScript): FakeBehaviour {
  return { kind: 'error', ...script };
}

export function rateLimited(options: { retryAfterSeconds?: number; model?: string } = {}): FakeBehaviour {
  const seconds = options.retryAfterSeconds ?? 20;
  return apiError({
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    message:
      `Rate limit reached for ${options.model ?? 'gpt-4o-mini'} in organization org-fake on requests per min (RPM): ` +
      `Limit 10000, Used 10000, Requested 1. Please try again in ${seconds}s. ` +
      'Visit https://platform.openai.com/account/rate-limits to learn more.',
    headers: {
      'retry-after': String(seconds),
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': formatResetDuration(seconds * 1000),
    },
  });
}

export function quotaExceeded(): FakeBehaviour {
  return apiError({
    status: 429,
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on ' +
      'this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  });
}

export function serverError(
  message = 'The server had an error while processing your request. Sorry about that!',
): FakeBehaviour {
  return apiError({ status: 500, type: 'server_error', message });
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): FakeBehaviour {
  return apiError({ status: 400, type: 'invalid_request_error', message, param, code });
}
