import type { GatewayError } from '../../proxy/errors.js';
import { geminiErrors } from './errors.js';
import type { GeminiTarget } from './target.js';
import { isRecord } from '../../../shared/json.js';

/** What the proxy needs to know about a validated Gemini request body. */
export interface GeminiRequest {
  /** Characters of the prompt's text parts, for estimating input tokens; the text itself is not kept. */
  inputChars: number;
  /** The client's bytes, or the body re-serialised with the upstream model's name where it names the model. */
  upstreamBody: Uint8Array;
}

export type GeminiRequestParse = { ok: true; request: GeminiRequest } | { ok: false; error: GatewayError };

/**
 * Parses and validates a Gemini request body. Only what the gateway relies on is checked:
 * a JSON object, and that every model named inside it is the URL's model, which is the one
 * authorised against the key and billed (a batch entry naming another model would
 * otherwise run, and be billed, as a model the key may not use). Everything else is the
 * upstream's to validate, so its errors reach the client unchanged.
 */
export function parseGeminiRequest(bytes: Uint8Array, target: GeminiTarget, upstreamModel: string): GeminiRequestParse {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { ok: false, error: geminiErrors.invalidJson() };
  }
  if (!isRecord(body)) return { ok: false, error: geminiErrors.invalidJson() };

  const mismatch = foreignModelField(body, target.model);
  if (mismatch !== null) return { ok: false, error: geminiErrors.modelMismatch(mismatch, target.model) };
  return { ok: true, request: { inputChars: inputChars(body, target), upstreamBody: renameModel(bytes, body, target.model, upstreamModel) } };
}

/**
 * Google requires a model named in the body (batch entries, a countTokens request) to be the
 * URL's, and the URL carries the catalogue's upstream name; so where the public name differs,
 * those fields are renamed. Otherwise the client's bytes go upstream untouched.
 */
function renameModel(bytes: Uint8Array, body: Record<string, unknown>, model: string, upstreamModel: string): Uint8Array {
  if (upstreamModel === model) return bytes;
  const rename = (holder: Record<string, unknown>): boolean => {
    if (holder['model'] === undefined) return false;
    holder['model'] = `models/${upstreamModel}`;
    return true;
  };
  const inner = body['generateContentRequest'];
  const requests = Array.isArray(body['requests']) ? body['requests'] : [];
  const holders = [body, ...(isRecord(inner) ? [inner] : []), ...requests.filter(isRecord)];
  // Every holder is visited (no short-circuit), so every name is replaced.
  const renamed = holders.map(rename).includes(true);
  return renamed ? Buffer.from(JSON.stringify(body)) : bytes;
}

/** The first field naming a model other than `model`, or null. Names may carry the `models/` prefix or not. */
function foreignModelField(body: Record<string, unknown>, model: string): string | null {
  const matches = (value: unknown): boolean => value === undefined || value === model || value === `models/${model}`;
  if (!matches(body['model'])) return 'model';
  const inner = body['generateContentRequest'];
  if (isRecord(inner) && !matches(inner['model'])) return 'generateContentRequest.model';
  const requests = body['requests'];
  if (Array.isArray(requests)) {
    for (const [index, request] of requests.entries()) {
      if (isRecord(request) && !matches(request['model'])) return `requests[${index}].model`;
    }
  }
  return null;
}

/** Characters of the text the model reads: contents and system instruction, or what is embedded. */
function inputChars(body: Record<string, unknown>, target: GeminiTarget): number {
  switch (target.method) {
    case 'embedContent':
      return contentChars(body['content']);
    case 'batchEmbedContents':
      return sum(body['requests'], (request) => (isRecord(request) ? contentChars(request['content']) : 0));
    case 'countTokens': {
      const inner = body['generateContentRequest'];
      return isRecord(inner) ? promptChars(inner) : promptChars(body);
    }
    default:
      return promptChars(body);
  }
}

function promptChars(body: Record<string, unknown>): number {
  return sum(body['contents'], contentChars) + contentChars(body['systemInstruction']);
}

/** Text characters of one `Content` (`{ parts: [{ text }] }`). */
export function contentChars(content: unknown): number {
  if (!isRecord(content)) return 0;
  return sum(content['parts'], (part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'].length : 0));
}

function sum(list: unknown, count: (item: unknown) => number): number {
  if (!Array.isArray(list)) return 0;
  let total = 0;
  for (const item of list) total += count(item);
  return total;
}

