// What the fake Gemini upstream answers each method, as plain values: request validation,
// generateContent bodies and stream chunks, countTokens and embeddings. The HTTP side that
// sends them is fake-gemini-server.ts.
import { DEFAULT_REPLY_TEXT, type ReplyScript } from './fake-gemini-script.js';
import {
  FUNCTION_PART_TOKENS,
  buildUsageMetadata,
  countContentTokens,
  countPromptTokens,
  cumulativeUsage,
  fakeEmbedding,
  functionCallPart,
  googleError,
  responseBody,
  responseId,
  splitIntoPieces,
  type FinishReason,
  type GoogleErrorBody,
} from './fake-gemini-wire.js';

export type Answer = { ok: true; body: unknown } | { ok: false; error: GoogleErrorBody };

export interface StreamChunk {
  body: Record<string, unknown>;
  /** Carries one text piece (a cut stream keeps only these). */
  textPiece: boolean;
}

export type Generation = { ok: true; whole: Record<string, unknown>; chunks: StreamChunk[] } | { ok: false; error: GoogleErrorBody };

function invalid(message: string): { ok: false; error: GoogleErrorBody } {
  return { ok: false, error: googleError(400, 'INVALID_ARGUMENT', message) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * A generateContent answer, whole and as stream chunks. Text comes one word piece per chunk
 * with the cumulative usage on each (or on the last only, as older versions did); function
 * calls follow in one chunk; the last chunk carries the finishReason. `maxOutputTokens`
 * truncates the pieces and ends with MAX_TOKENS.
 */
export function generation(body: Record<string, unknown>, model: string, script: ReplyScript): Generation {
  const contents = body['contents'];
  if (!Array.isArray(contents) || contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified\n');
  let pieces = typeof script.text === 'object' ? [...script.text] : splitIntoPieces(script.text ?? DEFAULT_REPLY_TEXT);
  let finishReason: FinishReason = script.finishReason ?? 'STOP';
  const config = isRecord(body['generationConfig']) ? body['generationConfig'] : {};
  const maxTokens = positiveInt(config['maxOutputTokens']);
  if (maxTokens !== undefined && pieces.length > maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    finishReason = 'MAX_TOKENS';
  }
  const calls = script.functionCalls ?? [];
  const outputTokens = pieces.length + calls.length * FUNCTION_PART_TOKENS;
  const usage = buildUsageMetadata(countPromptTokens(body), outputTokens, script.usage);
  const id = responseId();
  const version = script.modelVersion ?? model;

  const wholeParts: unknown[] = [...(pieces.length > 0 ? [{ text: pieces.join('') }] : []), ...calls.map(functionCallPart)];
  const whole = responseBody(wholeParts, finishReason, usage, version, id);

  const planned: Array<{ parts: unknown[]; tokens: number; textPiece: boolean }> = pieces.map((piece) => ({ parts: [{ text: piece }], tokens: 1, textPiece: true }));
  if (calls.length > 0) planned.push({ parts: calls.map(functionCallPart), tokens: calls.length * FUNCTION_PART_TOKENS, textPiece: false });
  if (planned.length === 0) planned.push({ parts: [{ text: '' }], tokens: 0, textPiece: false });
  let sent = 0;
  const chunks = planned.map((chunk, index) => {
    sent += chunk.tokens;
    const last = index === planned.length - 1;
    const chunkUsage = last ? usage : script.usageOnLastChunkOnly ? undefined : cumulativeUsage(usage, sent, outputTokens);
    return { body: responseBody(chunk.parts, last ? finishReason : undefined, chunkUsage, version, id), textPiece: chunk.textPiece };
  });
  return { ok: true, whole, chunks };
}

/** countTokens takes `contents` or a whole `generateContentRequest`, not both. */
export function countTokensAnswer(body: Record<string, unknown>, script: ReplyScript): Answer {
  const inner = body['generateContentRequest'];
  if (body['contents'] !== undefined && inner !== undefined) {
    return invalid('contents and generate_content_request are mutually exclusive.');
  }
  const request = isRecord(inner) ? inner : body;
  const total = script.usage?.promptTokenCount ?? countPromptTokens(request);
  const cached = script.usage?.cachedContentTokenCount ?? 0;
  return {
    ok: true,
    body: { totalTokens: total, ...(cached > 0 ? { cachedContentTokenCount: cached } : {}), promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] },
  };
}

function textOf(content: unknown): string {
  if (!isRecord(content) || !Array.isArray(content['parts'])) return '';
  return (content['parts'] as unknown[]).map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : '')).join(' ');
}

/**
 * embedContent answers `{ embedding }`, batchEmbedContents `{ embeddings }`; each entry of a
 * batch must name the URL's model. Usage is added only when the script asks for it.
 */
export function embeddingAnswer(method: string, model: string, body: Record<string, unknown>, script: ReplyScript): Answer {
  const requests: Array<Record<string, unknown>> = [];
  if (method === 'embedContent') {
    if (!isRecord(body['content'])) return invalid('* EmbedContentRequest.content: content is not specified\n');
    requests.push(body);
  } else {
    if (!Array.isArray(body['requests']) || body['requests'].length === 0) return invalid('* BatchEmbedContentsRequest.requests: requests is not specified\n');
    for (const [index, request] of (body['requests'] as unknown[]).entries()) {
      if (!isRecord(request) || !isRecord(request['content'])) return invalid(`* BatchEmbedContentsRequest.requests[${index}].content: content is not specified\n`);
      if (request['model'] !== `models/${model}`) {
        return invalid(`Model in request ${String(request['model'])} does not match the model in the URL models/${model}.`);
      }
      requests.push(request);
    }
  }
  const embeddings = requests.map((request) => {
    const dimensions = positiveInt(request['outputDimensionality']) ?? (model.startsWith('gemini-embedding') ? 3072 : 768);
    return { values: fakeEmbedding(textOf(request['content']), dimensions) };
  });
  const tokens = script.usage?.promptTokenCount ?? requests.reduce((sum, request) => sum + countContentTokens(request['content']), 0);
  const usage = script.embeddingUsage ? { usageMetadata: { promptTokenCount: tokens, totalTokenCount: tokens } } : {};
  const result = method === 'embedContent' ? { embedding: embeddings[0] } : { embeddings };
  return { ok: true, body: { ...result, ...usage } };
}
