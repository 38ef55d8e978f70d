// A fake OpenAI upstream served over real HTTP on 127.0.0.1, speaking the real wire format, so
// gateway tests exercise the same bytes, headers and failure modes a real upstream produces.
// It serves chat completions, embeddings, the Responses API (`POST /v1/responses`, and stored
// responses: `GET`/`DELETE /v1/responses/{id}`, `…/cancel`, `…/input_items`) and models.
// This module is the public API; the server is in fake-openai-server.ts, response shapes and token
// counting in fake-openai-wire.ts (Responses: fake-openai-responses.ts, stored ones:
// fake-openai-stored.ts), the scripting vocabulary
// in fake-openai-script.ts.
import type { FakeBehaviour, FakeModel, ReplyScript } from './fake-openai-script.js';
import { FakeOpenAIServer } from './fake-openai-server.js';

export {
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_COMPLETION_TEXT,
  DEFAULT_MODELS,
  FAKE_UPSTREAM_API_KEY,
  apiError,
  badRequest,
  cutStream,
  hang,
  quotaExceeded,
  rateLimited,
  reply,
  serverError,
  slowStream,
} from './fake-openai-script.js';
export type { CutEnding, ErrorScript, FakeBehaviour, FakeModel, ReplyScript } from './fake-openai-script.js';
export {
  TOKENS_PER_MESSAGE,
  buildUsage,
  countEmbeddingTokens,
  countPromptTokens,
  countWords,
  encodeEmbeddingBase64,
  errorBody,
  fakeEmbedding,
  splitIntoPieces,
} from './fake-openai-wire.js';
export type { FinishReason, OpenAIErrorBody, OpenAIUsage, UsageScript } from './fake-openai-wire.js';
export { buildResponsesUsage, countResponsesInputTokens } from './fake-openai-responses.js';
export type { ResponsesUsage } from './fake-openai-responses.js';

export interface RecordedRequest {
  method: string;
  /** Pathname only, e.g. `/v1/chat/completions`; the query string is in `query`. */
  path: string;
  query: Record<string, string>;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  rawBody: string;
  /** Status the fake answered with; undefined while hanging. */
  status: number | undefined;
  /** JSON stream chunks (or Responses events) handed to the socket (the [DONE] sentinel is not counted). */
  chunksSent: number;
  /** The client closed the connection before the fake finished answering. */
  aborted: boolean;
  /** The connection for this request is over, normally or not; `aborted` is final from then on. */
  closed: boolean;
}

export interface FakeOpenAIOptions {
  /** Bearer key the fake accepts; default FAKE_UPSTREAM_API_KEY. */
  apiKey?: string;
  /** Default pause between stream chunks; default DEFAULT_CHUNK_DELAY_MS. */
  chunkDelayMs?: number;
  /** Default reply for requests without a queued behaviour. */
  reply?: ReplyScript;
  models?: readonly FakeModel[];
  /** Embedding length when the request has no `dimensions`; default 3072 for *-large, else 1536. */
  embeddingDimensions?: number;
  /** Per-minute limits reported in the x-ratelimit-* headers; default 10000 requests, 200000 tokens. */
  rateLimits?: { requests?: number; tokens?: number };
}

export interface FakeOpenAI {
  /** Base URL for an OpenAI client, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, for raw requests. */
  readonly origin: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Behaviours queued and not consumed yet. */
  readonly pendingBehaviours: number;
  /** Queues behaviours, each consumed by the next authenticated request its `path` matches. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Replaces the default reply used when nothing is queued. */
  setReply(script: ReplyScript): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves once the request's connection is over, so `aborted` can be asserted. */
  settled(request: RecordedRequest, timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * Whether this fake's organisation (one fake, one API key) stores a response: created with
   * `store` not false, and not deleted. Stored responses survive `reset`.
   */
  hasStoredResponse(id: string): boolean;
  /** Whether this fake's organisation stores an item (an input or output item of a stored response). */
  hasStoredItem(id: string): boolean;
  /** Forgets recorded requests and queued behaviours. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fake OpenAI upstream on 127.0.0.1 with a random free port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = new FakeOpenAIServer(options);
  await fake.listen();
  return fake;
}
