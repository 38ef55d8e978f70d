// Scripting vocabulary of the fake Gemini upstream (fake-gemini.ts): what a queued behaviour can
// make the next request do, and factories for the real API's common failures.
import { googleError, quotaExceededError, type FinishReason, type FunctionCallScript, type UsageScript } from './fake-gemini-wire.js';
import type { CutEnding } from './fake-server.js';

export type { CutEnding };

export const FAKE_GEMINI_API_KEY = 'AIzaSyFake-gemini-upstream-key';
/** Default reply: 5 pieces ("Hello", " from", " the", " fake", " Gemini!"), so 5 candidate tokens. */
export const DEFAULT_REPLY_TEXT = 'Hello from the fake Gemini!';
export const DEFAULT_CHUNK_DELAY_MS = 5;

/** Models the fake serves, with the methods each supports (others answer 404, as Google does). */
export const GENERATION_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'] as const;
export const EMBEDDING_METHODS = ['embedContent', 'batchEmbedContents', 'countTokens'] as const;
export const DEFAULT_MODELS: Readonly<Record<string, readonly string[]>> = {
  'gemini-2.5-flash': GENERATION_METHODS,
  'gemini-2.5-pro': GENERATION_METHODS,
  'gemini-2.0-flash': GENERATION_METHODS,
  'gemini-embedding-001': EMBEDDING_METHODS,
  'text-embedding-004': EMBEDDING_METHODS,
};

/** How the fake answers a successful request; every field is optional. */
export interface ReplyScript {
  /** Reply text (split into word pieces, one token and one stream chunk each) or the exact pieces. */
  text?: string | readonly string[];
  /** Function calls, sent after the text in one part each (in one chunk when streaming). */
  functionCalls?: readonly FunctionCallScript[];
  usage?: UsageScript;
  finishReason?: FinishReason;
  /** Reported as `modelVersion`; defaults to the requested model. */
  modelVersion?: string;
  /**
   * Older API versions sent `usageMetadata` on the final stream chunk only; current ones
   * send the cumulative count on every chunk (the default).
   */
  usageOnLastChunkOnly?: boolean;
  /** Embedding answers: add `usageMetadata` (some API versions do, many do not). */
  embeddingUsage?: boolean;
  /** Pause between stream chunks; a large value makes a slow stream. */
  chunkDelayMs?: number;
  /** Pause before the response headers are sent. */
  latencyMs?: number;
  /** Extra response headers, overriding the standard ones. */
  headers?: Record<string, string>;
}

export interface ErrorScript {
  code: number;
  status: string;
  message: string;
  details?: unknown[];
  headers?: Record<string, string>;
}

/** A scripted behaviour for one upcoming request; `method` restricts it to e.g. `streamGenerateContent`. */
export type FakeBehaviour = { method?: string } & (
  | ({ kind: 'reply' } & ReplyScript)
  | ({ kind: 'error' } & ErrorScript)
  | { kind: 'hang' }
  | ({ kind: 'cut'; afterPieces: number; then: CutEnding } & ReplyScript)
  | ({ kind: 'stream-error'; afterPieces: number; error: ErrorScript } & ReplyScript)
);

export function reply(script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script };
}

/** Never answers (not even headers), to exercise timeouts and aborts before any byte. */
export function hang(): FakeBehaviour {
  return { kind: 'hang' };
}

/** A reply whose stream chunks come `chunkDelayMs` apart, to exercise client disconnects mid-stream. */
export function slowStream(chunkDelayMs: number, script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'reply', ...script, chunkDelayMs };
}

/**
 * Stops after `afterPieces` text chunks: no final chunk (no finishReason). Non-streaming
 * requests get half of their JSON body instead.
 */
export function cutStream(afterPieces: number, then: CutEnding = 'end', script: ReplyScript = {}): FakeBehaviour {
  return { kind: 'cut', ...script, afterPieces, then };
}

/**
 * A 200 stream that fails after `afterPieces` text chunks with an error event
 * (`data: {"error":{code,message,status}}`), as Google ends a stream that fails mid-answer;
 * then the body ends. Only a streamGenerateContent request takes it.
 */
export function streamError(afterPieces: number, error: ErrorScript = { code: 500, status: 'INTERNAL', message: 'An internal error has occurred.' }): FakeBehaviour {
  return { kind: 'stream-error', method: 'streamGenerateContent', afterPieces, error };
}

export function apiError(script: ErrorScript): FakeBehaviour {
  return { kind: 'error', ...script };
}

export function invalidArgument(message: string): FakeBehaviour {
  return apiError({ code: 400, status: 'INVALID_ARGUMENT', message });
}

export function permissionDenied(message = 'The caller does not have permission'): FakeBehaviour {
  return apiError({ code: 403, status: 'PERMISSION_DENIED', message });
}

/** 429 RESOURCE_EXHAUSTED with Google's retry info in the body (Google sends no retry-after header). */
export function resourceExhausted(options: { retryDelaySeconds?: number; model?: string } = {}): FakeBehaviour {
  const body = quotaExceededError(options.model ?? 'gemini-2.5-flash', options.retryDelaySeconds ?? 20);
  return apiError({ ...body.error });
}

export function internalError(): FakeBehaviour {
  const body = googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
  return apiError(body.error);
}

export function unavailable(message = 'The model is overloaded. Please try again later.'): FakeBehaviour {
  return apiError({ code: 503, status: 'UNAVAILABLE', message });
}
