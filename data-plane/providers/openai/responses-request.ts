import { gatewayErrors } from '../../proxy/errors.js';
import { parseJsonObject } from '../../../shared/json.js';
import { bodyForUpstream, requiredModel, type RouteRequestParse } from './pass-through.js';
import { storedObjectReference } from './responses-stored-objects.js';
import { isRecord } from '../../../shared/json.js';

/** What the proxy needs to know about a validated Responses request. */
export interface ResponsesRequest {
  model: string;
  stream: boolean;
  /** Characters of the instructions and input texts, for estimating input tokens; the text itself is not kept. */
  inputChars: number;
  /** The client's bytes, exactly as sent. */
  bytes: Buffer;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * Parses and validates a Responses body. Only what the gateway needs is checked: a model
 * to authorise and bill, whether the answer streams, and that the call is answered (and
 * so accounted) on this connection — `background: true` is refused, since its result and
 * its usage would only be known to a later `GET /v1/responses/{id}`, whose answer runs no
 * model and bills nothing. `conversation` is refused too: a Conversations API id would be
 * shared by every account, like a response id, and the gateway does not bind those (see
 * response-ids.ts). So is any other stored object a request names by id — a stored prompt,
 * a file, vector stores, a container, a skill (responses-stored-objects.ts): the gateway
 * routes none of the APIs that create them. The stored responses and items a request names
 * (in `input`, too) are checked once the caller is known (responses-references.ts);
 * everything else (the rest of tools, `store`, …) goes upstream untouched, for OpenAI to
 * validate in its own words.
 */
export function parseResponsesRequest(bytes: Buffer): RouteRequestParse<ResponsesRequest> {
  const fields = parseJsonObject(bytes);
  if (fields === null) return { ok: false, error: gatewayErrors.invalidJson() };
  const model = requiredModel(fields);
  if (!model.ok) return model;
  const stream = fields['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { ok: false, error: gatewayErrors.invalidType('stream', 'a boolean'), model: model.model };
  }
  if (fields['background'] === true) {
    const reason = 'is not supported on this gateway: a background response is fetched later, which TokenByte does not serve. Send the request without it (streamed, if it is long).';
    return { ok: false, error: gatewayErrors.unsupportedParameter('background', reason), model: model.model };
  }
  const conversation = fields['conversation'];
  if (conversation !== undefined && conversation !== null) {
    const reason =
      'is not supported on this gateway: a conversation lives in an OpenAI organisation that all TokenByte accounts share. Chain responses with previous_response_id instead.';
    return { ok: false, error: gatewayErrors.unsupportedParameter('conversation', reason), model: model.model };
  }
  const stored = storedObjectReference(fields);
  if (stored !== null) return { ok: false, error: stored, model: model.model };
  const inputChars = textChars(fields['instructions']) + inputItemChars(fields['input']);
  return { ok: true, request: { model: model.model, stream: stream === true, inputChars, bytes, fields } };
}

/**
 * The body to send upstream for a model the upstream knows as `upstreamModel`, with the
 * `replaced` top-level fields (the upstream ids of the stored responses it names).
 */
export function responsesUpstreamBody(request: ResponsesRequest, upstreamModel: string, replaced: Readonly<Record<string, unknown>> = {}): Uint8Array {
  if (Object.keys(replaced).length === 0) return bodyForUpstream(request.bytes, request.fields, request.model, upstreamModel);
  return Buffer.from(JSON.stringify({ ...request.fields, model: upstreamModel, ...replaced }));
}

/** Characters of `input`: a string, or items whose `content` is a string or has `text` parts, or tool `output`s. */
function inputItemChars(input: unknown): number {
  if (typeof input === 'string') return input.length;
  if (!Array.isArray(input)) return 0;
  let chars = 0;
  for (const item of input) {
    if (!isRecord(item)) continue;
    const content = item['content'];
    chars += textChars(content) + textChars(item['output']);
    if (Array.isArray(content)) {
      for (const part of content) if (isRecord(part)) chars += textChars(part['text']);
    }
  }
  return chars;
}

function textChars(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}

