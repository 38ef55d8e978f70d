import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import { isRecord } from '../../../shared/json.js';

/** What the proxy needs to know about a validated chat-completions request. */
export interface ChatRequest {
  model: string;
  stream: boolean;
  /** The client set `stream_options.include_usage: true` itself. */
  clientAskedForUsage: boolean;
  /** Characters of the messages' text, for estimating input tokens; the text itself is not kept. */
  inputChars: number;
  /** The bytes to send upstream: the client's own unless the gateway had to add include_usage. */
  upstreamBody: Uint8Array;
  /** The parsed body, for {@link upstreamBodyFor} when the upstream knows the model by another name. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export type ChatRequestParse = { ok: true; request: ChatRequest } | { ok: false; error: GatewayError; model?: string };

/**
 * Parses and validates a chat-completions body. Only what the gateway relies on is
 * checked (a model to authorise and bill, messages to estimate from); every other
 * parameter is the upstream's to validate, so its errors reach the client unchanged.
 */
export function parseChatRequest(bytes: Buffer): ChatRequestParse {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, error: gatewayErrors.invalidJson() };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: gatewayErrors.invalidJson() };
  const fields = body as Record<string, unknown>;
  const model = fields['model'];
  if (model === undefined || model === null) return { ok: false, error: gatewayErrors.missingParameter('model') };
  if (typeof model !== 'string' || model === '') return { ok: false, error: gatewayErrors.invalidType('model', 'a non-empty string') };
  const messages = fields['messages'];
  if (messages === undefined || messages === null) return { ok: false, error: gatewayErrors.missingParameter('messages'), model };
  if (!Array.isArray(messages)) return { ok: false, error: gatewayErrors.invalidType('messages', 'an array'), model };
  const storedFile = storedFileReference(messages);
  if (storedFile !== null) {
    const reason =
      "references a file stored with the provider; TokenByte does not route the Files API and cannot keep stored files private to your account — send the file inline with 'file_data'.";
    return { ok: false, error: gatewayErrors.unsupportedParameter(storedFile, reason), model };
  }

  const stream = fields['stream'] === true;
  const options = fields['stream_options'];
  const clientAskedForUsage = isRecord(options) && options['include_usage'] === true;
  // A malformed stream_options is left for the upstream to refuse in its own words.
  const addUsage = stream && !clientAskedForUsage && (options === undefined || options === null || isRecord(options));
  const upstreamFields = addUsage ? { ...fields, stream_options: { ...(isRecord(options) ? options : {}), include_usage: true } } : fields;
  const upstreamBody = addUsage ? Buffer.from(JSON.stringify(upstreamFields)) : bytes;
  return { ok: true, request: { model, stream, clientAskedForUsage, inputChars: messageChars(messages), upstreamBody, fields: upstreamFields } };
}

/**
 * The body for an upstream that knows the model as `upstreamModel`: the bytes as they
 * are when the names agree (the client's own, byte for byte, unless include_usage was
 * added), else the same body with only `model` replaced, in its place.
 */
export function upstreamBodyFor(request: ChatRequest, upstreamModel: string): Uint8Array {
  if (upstreamModel === request.model) return request.upstreamBody;
  return Buffer.from(JSON.stringify({ ...request.fields, model: upstreamModel }));
}

/** Whether a key restricted to `allowedModels` (null: any) may call `model`. */
export function modelAllowed(allowedModels: readonly string[] | null, model: string): boolean {
  return allowedModels === null || allowedModels.includes(model);
}

/** Characters of the messages' text: string contents and `text` parts. */
function messageChars(messages: readonly unknown[]): number {
  let chars = 0;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = message['content'];
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (isRecord(part) && typeof part['text'] === 'string') chars += part['text'].length;
      }
    }
  }
  return chars;
}

/**
 * The path of the first `file_id` a message part names, or null. Files live in the
 * organisation of TokenByte's credential, shared by every customer, and the gateway has
 * no Files API through which a customer could have made one: such an id is another
 * tenant's, TokenByte's own, or nothing.
 */
function storedFileReference(messages: readonly unknown[]): string | null {
  for (const [i, message] of messages.entries()) {
    const content = isRecord(message) ? message['content'] : undefined;
    if (!Array.isArray(content)) continue;
    for (const [j, part] of content.entries()) {
      const file = isRecord(part) ? part['file'] : undefined;
      if (isRecord(file) && file['file_id'] !== undefined && file['file_id'] !== null) return `messages[${i}].content[${j}].file.file_id`;
    }
  }
  return null;
}

