// OpenAI wire shapes used by the fake upstream (fake-openai.ts): token counting, response bodies,
// stream chunks, error bodies and embeddings. Pure functions only, so tests can import them to
// compute the exact numbers and vectors the fake will produce.
import { createHash, randomBytes, randomInt } from 'node:crypto';

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

/** Scriptable usage numbers; anything left out is computed by the documented rules. */
export interface UsageScript {
  prompt_tokens?: number;
  /** Visible completion tokens, i.e. excluding reasoning tokens. */
  completion_tokens?: number;
  cached_tokens?: number;
  /** Added on top of the visible completion tokens, as the real API counts them in completion_tokens. */
  reasoning_tokens?: number;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Everything needed to render one chat completion, streamed or not. */
export interface CompletionPlan {
  id: string;
  created: number;
  model: string;
  serviceTier: string;
  systemFingerprint: string;
  /** Content pieces; each one is one completion token and one stream chunk. */
  pieces: string[];
  finishReason: FinishReason;
  choiceCount: number;
  usage: OpenAIUsage;
}

export const TOKENS_PER_MESSAGE = 3;

export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/** Text of a message `content`: a string, or an array of parts of which only `text` parts count. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string' ? part['text'] : '',
    )
    .join(' ');
}

/**
 * Prompt tokens of a chat request: for every message, the number of whitespace-separated words
 * in its content plus TOKENS_PER_MESSAGE (3). Tool definitions, names etc. are not counted.
 */
export function countPromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  return messages.reduce<number>(
    (sum, message: unknown) =>
      sum + TOKENS_PER_MESSAGE + countWords(messageText(isRecord(message) ? message['content'] : '')),
    0,
  );
}

/** Embedding inputs normalised to one entry per vector, whatever form the request used. */
export function embeddingInputs(input: unknown): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((item) => typeof item === 'number')) return [input as number[]];
  return input.filter((item): item is string | number[] => typeof item === 'string' || Array.isArray(item));
}

/** Embedding tokens: words of a string input, or the length of a pre-tokenised (number[]) input. */
export function countEmbeddingTokens(input: unknown): number {
  return embeddingInputs(input).reduce<number>(
    (sum, item) => sum + (typeof item === 'string' ? countWords(item) : item.length),
    0,
  );
}

/**
 * Splits completion text into stream pieces the way real tokens look: each piece is a word with
 * its leading whitespace ("Hello", " world"), so joining the pieces gives back the exact text.
 */
export function splitIntoPieces(text: string): string[] {
  const pieces = [...(text.match(/\s*\S+/g) ?? [])];
  const tail = text.slice(pieces.join('').length);
  if (tail.length > 0) {
    if (pieces.length > 0) pieces[pieces.length - 1] += tail;
    else pieces.push(tail);
  }
  return pieces;
}

export function buildUsage(promptTokens: number, visibleCompletionTokens: number, script: UsageScript = {}): OpenAIUsage {
  const prompt = script.prompt_tokens ?? promptTokens;
  const reasoning = script.reasoning_tokens ?? 0;
  const completion = (script.completion_tokens ?? visibleCompletionTokens) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: script.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** Real chat ids are `chatcmpl-` followed by 29 alphanumerics. */
export function completionId(): string {
  return `chatcmpl-${randomAlphanumeric(29)}`;
}

/** Real request ids are `req_` followed by 32 hex digits. */
export function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export function systemFingerprint(): string {
  return `fp_${randomBytes(5).toString('hex')}`;
}

/** The API reports the tier that served the request; `fast` is reported as `priority`. */
export function servedTier(requested: unknown): string {
  if (requested === 'flex' || requested === 'scale') return requested;
  if (requested === 'priority' || requested === 'fast') return 'priority';
  return 'default';
}

export function chatCompletionBody(plan: CompletionPlan): Record<string, unknown> {
  const content = plan.pieces.join('');
  return {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    choices: Array.from({ length: plan.choiceCount }, (_, index) => ({
      index,
      message: { role: 'assistant', content, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: plan.finishReason,
    })),
    usage: plan.usage,
    service_tier: plan.serviceTier,
    system_fingerprint: plan.systemFingerprint,
  };
}

export interface ChunkOptions {
  /** `stream_options.include_usage`: adds `usage: null` to every chunk plus a final usage chunk. */
  includeUsage: boolean;
  /** `stream_options.include_obfuscation` (on unless the request sets it to false). */
  includeObfuscation: boolean;
}

/**
 * The JSON chunks of a streamed completion, in order: a role chunk per choice, one chunk per
 * piece per choice, a finish chunk per choice and, when asked for, the usage chunk.
 * `cutAfterPieces` drops everything after that many pieces, as a dying upstream would.
 */
export function chatCompletionChunks(
  plan: CompletionPlan,
  options: ChunkOptions,
  cutAfterPieces?: number,
): Array<Record<string, unknown>> {
  const chunk = (choices: unknown[], usage: OpenAIUsage | null = null): Record<string, unknown> => ({
    id: plan.id,
    object: 'chat.completion.chunk',
    created: plan.created,
    model: plan.model,
    service_tier: plan.serviceTier,
    system_fingerprint: plan.systemFingerprint,
    choices,
    ...(options.includeUsage ? { usage } : {}),
    // Random padding normalising chunk sizes; its content means nothing.
    ...(options.includeObfuscation ? { obfuscation: randomAlphanumeric(1 + randomInt(15)) } : {}),
  });
  const choice = (index: number, delta: Record<string, unknown>, finishReason: FinishReason | null = null) => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const indexes = Array.from({ length: plan.choiceCount }, (_, index) => index);

  const chunks = indexes.map((i) => chunk([choice(i, { role: 'assistant', content: '', refusal: null })]));
  const pieces = cutAfterPieces === undefined ? plan.pieces : plan.pieces.slice(0, cutAfterPieces);
  for (const piece of pieces) {
    for (const i of indexes) chunks.push(chunk([choice(i, { content: piece })]));
  }
  if (cutAfterPieces !== undefined) return chunks;
  for (const i of indexes) chunks.push(chunk([choice(i, {}, plan.finishReason)]));
  if (options.includeUsage) chunks.push(chunk([], plan.usage));
  return chunks;
}

/**
 * Deterministic unit-length embedding of `input`: a PRNG seeded by the SHA-256 of the input,
 * rounded to float32 so the float and base64 encodings decode to identical numbers.
 */
export function fakeEmbedding(input: string | number[], dimensions: number): number[] {
  const seedText = typeof input === 'string' ? input : `tokens:${input.join(',')}`;
  let state = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  // mulberry32: tiny, good enough spread, and reproducible across runs.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const raw = Array.from({ length: dimensions }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** `encoding_format: "base64"`: the little-endian float32 bytes of the vector, base64-encoded. */
export function encodeEmbeddingBase64(vector: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return Buffer.from(view.buffer).toString('base64');
}

/** Durations formatted like the `x-ratelimit-reset-*` headers: `6ms`, `8.64s`, `1m30s`. */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  return `${Math.floor(seconds / 60)}m${Number((seconds % 60).toFixed(3))}s`;
}

// Error bodies with the real API's wording, so code matching on messages or codes is tested.

export function invalidUrlError(method: string, path: string): OpenAIErrorBody {
  return errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error');
}

export function missingApiKeyError(): OpenAIErrorBody {
  return errorBody(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
      "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're " +
      'accessing the API from your browser and are prompted for a username and password. You can obtain an API ' +
      'key from https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
  );
}

/** The key is echoed masked like the real API does: first 3 and last 4 characters. */
export function incorrectApiKeyError(key: string): OpenAIErrorBody {
  const masked = key.length <= 8 ? key : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
  return errorBody(
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export function invalidJsonError(): OpenAIErrorBody {
  return errorBody(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
      'library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you ' +
      'have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)',
    'invalid_request_error',
  );
}

export function modelNotFoundError(id: string): OpenAIErrorBody {
  return errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
}

function missingParameterError(name: string): OpenAIErrorBody {
  return errorBody(`Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'missing_required_parameter');
}

const MISSING_MODEL = errorBody('you must provide a model parameter', 'invalid_request_error');

/** The subset of the API's request validation a gateway could plausibly trip over. */
export function validateChatRequest(body: Record<string, unknown>): OpenAIErrorBody | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return MISSING_MODEL;
  if (!Array.isArray(body['messages'])) return missingParameterError('messages');
  if (body['stream_options'] != null && body['stream'] !== true) {
    const message = "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
    return errorBody(message, 'invalid_request_error', 'stream_options');
  }
  return undefined;
}

export function validateEmbeddingsRequest(body: Record<string, unknown>): OpenAIErrorBody | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return MISSING_MODEL;
  if (body['input'] === undefined) return missingParameterError('input');
  const format = body['encoding_format'];
  if (format !== undefined && format !== 'float' && format !== 'base64') {
    const message = `'${String(format)}' is not one of ['float', 'base64'] - 'encoding_format'`;
    return errorBody(message, 'invalid_request_error', 'encoding_format');
  }
  return undefined;
}

/** The Responses API refuses a request without a model, or with a stream flag that is not a boolean. */
export function validateResponsesRequest(body: Record<string, unknown>): OpenAIErrorBody | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return MISSING_MODEL;
  const stream = body['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    const kind = Array.isArray(stream) ? 'an array' : typeof stream === 'object' ? 'an object' : `a ${typeof stream}`;
    const message = `Invalid type for 'stream': expected a boolean, but got ${kind} instead.`;
    return errorBody(message, 'invalid_request_error', 'stream', 'invalid_type');
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  return Array.from(randomBytes(length), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}
