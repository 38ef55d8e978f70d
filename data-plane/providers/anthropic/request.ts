import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import { isRecord } from '../../../shared/json.js';

/** What the proxy needs to know about a validated Messages (or count_tokens) request. */
export interface MessagesRequest {
  model: string;
  stream: boolean;
  /** Characters of the prompt's text, for estimating input tokens; the text itself is not kept. */
  inputChars: number;
  /** The client's own bytes: Anthropic always reports usage, so nothing needs adding. */
  upstreamBody: Uint8Array;
  /** The parsed body, for the rare rewrite (the catalogue's upstream model name). */
  fields: Record<string, unknown>;
}

/** The body for an upstream that knows the model as `upstreamModel`: the client's bytes unless the name differs. */
export function messagesBodyFor(request: MessagesRequest, upstreamModel: string): Uint8Array {
  if (upstreamModel === request.model) return request.upstreamBody;
  return Buffer.from(JSON.stringify({ ...request.fields, model: upstreamModel }));
}

export type MessagesRequestParse = { ok: true; request: MessagesRequest } | { ok: false; error: GatewayError; model?: string };

/**
 * Parses and validates a Messages or count_tokens body. Only what the gateway relies on is
 * checked (a model to authorise and bill, messages to estimate from); every other parameter,
 * `max_tokens` included, is Anthropic's to validate, so its errors reach the client in its
 * own words.
 */
export function parseMessagesRequest(bytes: Buffer): MessagesRequestParse {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, error: gatewayErrors.invalidJson() };
  }
  if (!isRecord(body)) return { ok: false, error: gatewayErrors.invalidJson() };
  const model = body['model'];
  if (model === undefined || model === null) return { ok: false, error: gatewayErrors.missingParameter('model') };
  if (typeof model !== 'string' || model === '') return { ok: false, error: gatewayErrors.invalidType('model', 'a non-empty string') };
  const messages = body['messages'];
  if (messages === undefined || messages === null) return { ok: false, error: gatewayErrors.missingParameter('messages'), model };
  if (!Array.isArray(messages)) return { ok: false, error: gatewayErrors.invalidType('messages', 'an array'), model };
  const inputChars = contentChars(body['system']) + messages.reduce<number>((sum, message) => sum + (isRecord(message) ? contentChars(message['content']) : 0), 0);
  return { ok: true, request: { model, stream: body['stream'] === true, inputChars, upstreamBody: bytes, fields: body } };
}

/** Characters of a `content` (or `system`): a string, or blocks with `text` and nested tool results. */
function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (typeof block['text'] === 'string') chars += block['text'].length;
    else if (block['type'] === 'tool_result') chars += contentChars(block['content']);
  }
  return chars;
}

