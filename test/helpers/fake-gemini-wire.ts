// Gemini wire shapes used by the fake upstream (fake-gemini.ts): token counting, response
// bodies, stream chunks, error bodies and embeddings. Pure functions only, so tests can import
// them to compute the exact numbers the fake will report.
//
// Deterministic token counting (documented here, relied on by tests):
// - a text part counts one token per whitespace-separated word;
// - an inline or file part (image, audio, PDF) counts IMAGE_TOKENS, Google's per-image figure;
// - a functionCall or functionResponse part counts FUNCTION_PART_TOKENS;
// - the prompt is every part of `contents` plus `systemInstruction`;
// - a reply is split into word pieces (see splitIntoPieces), one token and one stream chunk each.
import { randomBytes } from 'node:crypto';
import { countWords, fakeEmbedding as openAIFakeEmbedding, splitIntoPieces } from './fake-openai-wire.js';

export { countWords, splitIntoPieces };

export const IMAGE_TOKENS = 258;
export const FUNCTION_PART_TOKENS = 10;

export type FinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'RECITATION' | 'OTHER' | 'MALFORMED_FUNCTION_CALL';

/** Scriptable usage numbers; anything left out is computed by the rules above. */
export interface UsageScript {
  promptTokenCount?: number;
  /** Visible output tokens (thoughts excluded, as the real API counts them apart). */
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface ModalityTokenCount {
  modality: string;
  tokenCount: number;
}

/** The real API's `usageMetadata`; zero-valued optional counts are omitted, as Google omits them. */
export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount?: number;
  totalTokenCount: number;
  promptTokensDetails: ModalityTokenCount[];
  cachedContentTokenCount?: number;
  cacheTokensDetails?: ModalityTokenCount[];
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

export interface FunctionCallScript {
  name: string;
  args: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tokens of one `Content` ({ role, parts }). */
export function countContentTokens(content: unknown): number {
  if (!isRecord(content) || !Array.isArray(content['parts'])) return 0;
  let tokens = 0;
  for (const part of content['parts'] as unknown[]) {
    if (!isRecord(part)) continue;
    if (typeof part['text'] === 'string') tokens += countWords(part['text']);
    else if ('inlineData' in part || 'fileData' in part) tokens += IMAGE_TOKENS;
    else if ('functionCall' in part || 'functionResponse' in part) tokens += FUNCTION_PART_TOKENS;
  }
  return tokens;
}

/** Prompt tokens of a GenerateContentRequest: its contents plus its system instruction. */
export function countPromptTokens(request: { contents?: unknown; systemInstruction?: unknown }): number {
  const contents = Array.isArray(request.contents) ? request.contents : [];
  return contents.reduce((sum: number, content: unknown) => sum + countContentTokens(content), 0) + countContentTokens(request.systemInstruction);
}

/** The usage block for `prompt` input tokens and `candidates` visible output tokens, with scripted overrides. */
export function buildUsageMetadata(prompt: number, candidates: number, script: UsageScript = {}): GeminiUsageMetadata {
  const promptTokens = script.promptTokenCount ?? prompt;
  const candidateTokens = script.candidatesTokenCount ?? candidates;
  const thoughts = script.thoughtsTokenCount ?? 0;
  const cached = script.cachedContentTokenCount ?? 0;
  const toolUse = script.toolUsePromptTokenCount ?? 0;
  return {
    promptTokenCount: promptTokens,
    ...(candidateTokens > 0 ? { candidatesTokenCount: candidateTokens } : {}),
    totalTokenCount: promptTokens + candidateTokens + thoughts + toolUse,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
    ...(cached > 0 ? { cachedContentTokenCount: cached, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cached }] } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    ...(toolUse > 0 ? { toolUsePromptTokenCount: toolUse } : {}),
  };
}

/** The `usageMetadata` after `sent` of `total` output tokens: the prompt and thoughts are complete from the first chunk. */
export function cumulativeUsage(final: GeminiUsageMetadata, sent: number, total: number): GeminiUsageMetadata {
  const candidates = total === 0 ? 0 : Math.round(((final.candidatesTokenCount ?? 0) * sent) / total);
  const { candidatesTokenCount: _, ...rest } = final;
  const others = final.totalTokenCount - (final.candidatesTokenCount ?? 0);
  return { ...rest, ...(candidates > 0 ? { candidatesTokenCount: candidates } : {}), totalTokenCount: others + candidates };
}

/** Google's response ids are 22-ish url-safe characters. */
export function responseId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export interface Candidate {
  content: { parts: unknown[]; role: 'model' };
  finishReason?: FinishReason;
  index: number;
}

/** One GenerateContentResponse, whole or a stream chunk. */
export function responseBody(parts: unknown[], finishReason: FinishReason | undefined, usage: GeminiUsageMetadata | undefined, model: string, id: string): Record<string, unknown> {
  const candidate: Candidate = { content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 };
  return { candidates: [candidate], ...(usage ? { usageMetadata: usage } : {}), modelVersion: model, responseId: id };
}

export function functionCallPart(call: FunctionCallScript): Record<string, unknown> {
  return { functionCall: { name: call.name, args: call.args } };
}

/** A deterministic unit vector derived from the text, so equal inputs embed equally (OpenAI's fake's, fake-openai-wire.ts). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  return openAIFakeEmbedding(text, dimensions);
}

export function googleError(code: number, status: string, message: string, details?: unknown[]): GoogleErrorBody {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** What the real API answers a request without any key. */
export function unregisteredCallerError(): GoogleErrorBody {
  return googleError(
    403,
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

/** What the real API answers a wrong key: 400, not 401. */
export function apiKeyInvalidError(): GoogleErrorBody {
  return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);
}

export function modelNotFoundError(model: string, apiVersion: string, method: string): GoogleErrorBody {
  return googleError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

export function invalidJsonError(detail: string): GoogleErrorBody {
  return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${detail}`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: `Invalid JSON payload received. ${detail}` }] },
  ]);
}

/** The real 429 for an exhausted per-minute quota, with QuotaFailure, Help and RetryInfo details. */
export function quotaExceededError(model: string, retryDelaySeconds: number): GoogleErrorBody {
  return googleError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, ' +
      'head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n' +
      `* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: ${model}\n` +
      `Please retry in ${retryDelaySeconds}s.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model },
            quotaValue: '10',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` },
    ],
  );
}
