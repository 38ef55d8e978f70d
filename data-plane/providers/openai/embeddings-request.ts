import { gatewayErrors } from '../../proxy/errors.js';
import { parseJsonObject } from '../../../shared/json.js';
import { bodyForUpstream, requiredModel, type RouteRequestParse } from './pass-through.js';

/** What the proxy needs to know about a validated embeddings request. */
export interface EmbeddingsRequest {
  model: string;
  /** Characters of the string inputs, for estimating input tokens; the text itself is not kept. */
  inputChars: number;
  /** Tokens given pre-tokenised (`number[]` inputs): already a count. */
  inputTokenIds: number;
  /** The client's bytes, exactly as sent. */
  bytes: Buffer;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * Parses and validates an embeddings body. Only what the gateway relies on is checked (a
 * model to authorise and bill, an input to estimate from); `encoding_format`, `dimensions`
 * and `user` are the upstream's to validate, so its errors reach the client unchanged.
 */
export function parseEmbeddingsRequest(bytes: Buffer): RouteRequestParse<EmbeddingsRequest> {
  const fields = parseJsonObject(bytes);
  if (fields === null) return { ok: false, error: gatewayErrors.invalidJson() };
  const model = requiredModel(fields);
  if (!model.ok) return model;
  const input = fields['input'];
  if (input === undefined || input === null) return { ok: false, error: gatewayErrors.missingParameter('input'), model: model.model };
  const size = inputSize(input);
  if (size === null) {
    return {
      ok: false,
      error: gatewayErrors.invalidType('input', 'a string, an array of strings, an array of token ids or an array of token-id arrays'),
      model: model.model,
    };
  }
  return { ok: true, request: { model: model.model, ...size, bytes, fields } };
}

/** The body to send upstream for a model the upstream knows as `upstreamModel`. */
export function embeddingsUpstreamBody(request: EmbeddingsRequest, upstreamModel: string): Uint8Array {
  return bodyForUpstream(request.bytes, request.fields, request.model, upstreamModel);
}

/** The size of `string | string[] | number[] | number[][]`, or null for any other shape. */
function inputSize(input: unknown): { inputChars: number; inputTokenIds: number } | null {
  if (typeof input === 'string') return { inputChars: input.length, inputTokenIds: 0 };
  if (!Array.isArray(input)) return null;
  if (input.every((item) => typeof item === 'string')) return { inputChars: input.reduce((sum: number, item: string) => sum + item.length, 0), inputTokenIds: 0 };
  if (input.every(isTokenId)) return { inputChars: 0, inputTokenIds: input.length };
  if (input.every((item) => Array.isArray(item) && item.every(isTokenId))) {
    return { inputChars: 0, inputTokenIds: input.reduce((sum: number, item: unknown[]) => sum + item.length, 0) };
  }
  return null;
}

function isTokenId(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
