// A fake Gemini upstream (Google's Generative Language API) served over real HTTP on 127.0.0.1,
// speaking the real wire format, so gateway tests exercise the same bytes, headers and failure
// modes a real upstream produces: `x-goog-api-key` (or `?key=`) auth with Google's own refusals,
// `/v1beta` and `/v1` paths, generateContent, streamGenerateContent (`alt=sse`, CRLF-framed
// `data: {GenerateContentResponse}` events, cumulative usageMetadata), countTokens,
// embedContent and batchEmbedContents (what @google/genai's embedContent calls), function
// calls, and Google's error bodies (answered, or as the last event of a stream that fails midway).
// This module is the public API; the server is in fake-gemini-server.ts, the answers in
// fake-gemini-answers.ts, wire shapes and token counting in fake-gemini-wire.ts, the
// scripting vocabulary in fake-gemini-script.ts.
import type { FakeBehaviour, ReplyScript } from './fake-gemini-script.js';
import { FakeGeminiServer } from './fake-gemini-server.js';

export {
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_MODELS,
  DEFAULT_REPLY_TEXT,
  FAKE_GEMINI_API_KEY,
  apiError,
  cutStream,
  hang,
  internalError,
  invalidArgument,
  permissionDenied,
  reply,
  resourceExhausted,
  slowStream,
  streamError,
  unavailable,
} from './fake-gemini-script.js';
export type { CutEnding, ErrorScript, FakeBehaviour, ReplyScript } from './fake-gemini-script.js';
export {
  FUNCTION_PART_TOKENS,
  IMAGE_TOKENS,
  buildUsageMetadata,
  countContentTokens,
  countPromptTokens,
  countWords,
  fakeEmbedding,
  splitIntoPieces,
} from './fake-gemini-wire.js';
export type { FinishReason, FunctionCallScript, GeminiUsageMetadata, GoogleErrorBody, UsageScript } from './fake-gemini-wire.js';

export interface RecordedRequest {
  method: string;
  /** Pathname only, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`; the query string is in `query`. */
  path: string;
  query: Record<string, string>;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  rawBody: string;
  /** Status the fake answered with; undefined while hanging. */
  status: number | undefined;
  /** Stream events handed to the socket. */
  chunksSent: number;
  /** The response body bytes written so far, as text, so tests can compare what a client received byte for byte. */
  sent: string;
  /** The client closed the connection before the fake finished answering. */
  aborted: boolean;
  /** The connection for this request is over, normally or not; `aborted` is final from then on. */
  closed: boolean;
}

export interface FakeGeminiOptions {
  /** Key the fake accepts; default FAKE_GEMINI_API_KEY. */
  apiKey?: string;
  /** Default pause between stream chunks; default DEFAULT_CHUNK_DELAY_MS. */
  chunkDelayMs?: number;
  /** Default reply for requests without a queued behaviour. */
  reply?: ReplyScript;
  /** Model id → supported methods; default DEFAULT_MODELS. Anything else answers 404 NOT_FOUND. */
  models?: Readonly<Record<string, readonly string[]>>;
}

export interface FakeGemini {
  /** `http://127.0.0.1:PORT`: Google's base URL has no version, each path carries it. */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Behaviours queued and not consumed yet. */
  readonly pendingBehaviours: number;
  /** Queues behaviours, each consumed by the next authenticated request its `method` matches. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Replaces the default reply used when nothing is queued. */
  setReply(script: ReplyScript): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves once the request's connection is over, so `aborted` can be asserted. */
  settled(request: RecordedRequest, timeoutMs?: number): Promise<RecordedRequest>;
  /** Forgets recorded requests and queued behaviours. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fake Gemini upstream on 127.0.0.1 with a random free port. */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const fake = new FakeGeminiServer(options);
  await fake.listen();
  return fake;
}
