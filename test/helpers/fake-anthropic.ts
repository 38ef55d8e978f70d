// A fake Anthropic upstream served over real HTTP on 127.0.0.1, speaking the real Messages wire
// format (event-named SSE, error bodies, rate-limit headers), so gateway tests exercise the same
// bytes, headers and failure modes the real API produces. This module is the public API; the
// server is in fake-anthropic-server.ts, shapes and the documented token counting in
// fake-anthropic-wire.ts, the scripting vocabulary in fake-anthropic-script.ts.
import type { FakeBehaviour, ReplyScript } from './fake-anthropic-script.js';
import { FakeAnthropicServer } from './fake-anthropic-server.js';

export {
  ANTHROPIC_VERSION,
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_REPLY_TEXT,
  FAKE_ANTHROPIC_API_KEY,
  apiError,
  badRequest,
  cutStream,
  hang,
  internalError,
  overloaded,
  rateLimited,
  reply,
  slowStream,
  streamError,
} from './fake-anthropic-script.js';
export type { CutEnding, ErrorScript, FakeBehaviour, ReplyScript } from './fake-anthropic-script.js';
export {
  JSON_FRAGMENT_CHARS,
  TOKENS_PER_MESSAGE,
  buildUsage,
  countInputTokens,
  countOutputTokens,
  jsonFragments,
  splitIntoPieces,
} from './fake-anthropic-wire.js';
export type { AnthropicErrorBody, AnthropicUsage, FakeToolCall, StopReason, UsageScript } from './fake-anthropic-wire.js';

export interface RecordedRequest {
  method: string;
  /** Pathname only, e.g. `/v1/messages`. */
  path: string;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  rawBody: string;
  /** Status the fake answered with; undefined while hanging. */
  status: number | undefined;
  /** SSE events handed to the socket (pings included). */
  eventsSent: number;
  /** The client closed the connection before the fake finished answering. */
  aborted: boolean;
  /** The connection for this request is over, normally or not; `aborted` is final from then on. */
  closed: boolean;
}

export interface FakeAnthropicOptions {
  /** The `x-api-key` the fake accepts; default FAKE_ANTHROPIC_API_KEY. */
  apiKey?: string;
  /** Default pause between stream events; default DEFAULT_CHUNK_DELAY_MS. */
  chunkDelayMs?: number;
  /** Default reply for requests without a queued behaviour. */
  reply?: ReplyScript;
}

export interface FakeAnthropic {
  /** `http://127.0.0.1:PORT`: the base URL for an Anthropic client (paths start with /v1). */
  readonly url: string;
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
  /** Forgets recorded requests and queued behaviours. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fake Anthropic upstream on 127.0.0.1 with a random free port. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const fake = new FakeAnthropicServer(options);
  await fake.listen();
  return fake;
}
