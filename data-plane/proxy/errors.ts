import { eventSeparator, type MidStreamReport } from './stream.js';

/** OpenAI's error body: what every OpenAI SDK parses into its typed errors. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A refusal or failure the gateway answers itself, before any upstream byte reached the client. */
export interface GatewayError {
  status: number;
  body: OpenAIErrorBody;
}

/**
 * Error codes the gateway itself answers with. Upstream errors pass through unchanged, so
 * these are the only codes a client can attribute to TokenByte rather than the provider.
 * Codes that OpenAI also uses keep OpenAI's meaning (`invalid_api_key`,
 * `missing_required_parameter`, `invalid_type`); the rest are ours.
 */
export const GatewayErrorCode = {
  /** 401: no key, or a key that is malformed, unknown, revoked or expired. */
  INVALID_API_KEY: 'invalid_api_key',
  /** 403: the key is restricted to other models. */
  MODEL_NOT_ALLOWED: 'model_not_allowed',
  /** 404: the model is not in the catalogue, or disabled (OpenAI's own code for an unknown model). */
  MODEL_NOT_FOUND: 'model_not_found',
  /** 400: the model exists but its provider is not served on this route (yet), or it cannot do what the route does. */
  MODEL_NOT_SUPPORTED_ON_THIS_ROUTE: 'model_not_supported_on_this_route',
  /** 503: the model's provider has no upstream configured on this gateway. */
  PROVIDER_NOT_CONFIGURED: 'provider_not_configured',
  /** 400: the body is not JSON, or not a JSON object. */
  INVALID_JSON: 'invalid_json',
  /** 400: `model` or `messages` is absent. */
  MISSING_REQUIRED_PARAMETER: 'missing_required_parameter',
  /** 400: `model` is not a non-empty string, or `messages` is not an array. */
  INVALID_TYPE: 'invalid_type',
  /**
   * 400: a parameter the gateway cannot serve (Responses' `background`: its result is fetched
   * later, unbilled; `conversation`; an id of an object the provider stores: a prompt, a file …).
   */
  UNSUPPORTED_PARAMETER: 'unsupported_parameter',
  /** 404: `previous_response_id` names no response of this account (OpenAI's own code for an unknown one). */
  PREVIOUS_RESPONSE_NOT_FOUND: 'previous_response_not_found',
  /** 413: the body is larger than MAX_REQUEST_BODY_BYTES. */
  REQUEST_TOO_LARGE: 'request_too_large',
  /** 502: the upstream could not be reached, or its answer was unusable. */
  UPSTREAM_UNREACHABLE: 'upstream_unreachable',
  /** 504 before the answer started, or an SSE error event mid-stream: the upstream stalled. */
  UPSTREAM_TIMEOUT: 'upstream_timeout',
  /** SSE error event only: the upstream connection broke mid-stream. */
  UPSTREAM_DISCONNECTED: 'upstream_disconnected',
  /** 500: a bug in the gateway; details are only in the log. */
  INTERNAL_ERROR: 'internal_error',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

function openAIError(message: string, type: string, param: string | null, code: string | null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

function refusal(status: number, message: string, param: string | null, code: GatewayErrorCode): GatewayError {
  return { status, body: openAIError(message, 'invalid_request_error', param, code) };
}

function serverError(status: number, message: string, code: GatewayErrorCode): GatewayError {
  return { status, body: openAIError(message, 'server_error', null, code) };
}

/** Builders for every error the gateway answers itself. */
export const gatewayErrors = {
  missingApiKey: (): GatewayError =>
    refusal(
      401,
      'No API key provided. Send your TokenByte key as "Authorization: Bearer <key>" or in the "x-api-key" header.',
      null,
      GatewayErrorCode.INVALID_API_KEY,
    ),
  // The key is never echoed back, not even masked: it may be someone else's secret.
  invalidApiKey: (): GatewayError =>
    refusal(401, 'Incorrect API key provided.', null, GatewayErrorCode.INVALID_API_KEY),
  modelNotAllowed: (model: string): GatewayError =>
    refusal(403, `This API key is not allowed to use the model '${model}'.`, 'model', GatewayErrorCode.MODEL_NOT_ALLOWED),
  modelNotFound: (model: string): GatewayError =>
    refusal(404, `The model \`${model}\` does not exist or you do not have access to it.`, null, GatewayErrorCode.MODEL_NOT_FOUND),
  modelNotSupportedOnRoute: (model: string, provider: string, route: string): GatewayError =>
    refusal(
      400,
      `The model '${model}' is served by ${provider} and cannot be called on ${route} yet; use ${provider}'s own API on this gateway.`,
      'model',
      GatewayErrorCode.MODEL_NOT_SUPPORTED_ON_THIS_ROUTE,
    ),
  /** Routes that pass OpenAI's own API through (embeddings, responses): no translation for other providers. */
  openAIModelsOnly: (model: string, provider: string, route: string): GatewayError =>
    refusal(
      400,
      `The model '${model}' is served by ${provider}; ${route} serves OpenAI models only. Use /v1/chat/completions, or ${provider}'s own API on this gateway.`,
      'model',
      GatewayErrorCode.MODEL_NOT_SUPPORTED_ON_THIS_ROUTE,
    ),
  /** A model of the route's provider that cannot do what the route does (a chat model on /v1/embeddings). */
  modelLacksCapability: (model: string, route: string, what: string): GatewayError =>
    refusal(400, `The model '${model}' is not ${what} and cannot be used on ${route}.`, 'model', GatewayErrorCode.MODEL_NOT_SUPPORTED_ON_THIS_ROUTE),
  unsupportedParameter: (name: string, reason: string): GatewayError =>
    refusal(400, `Unsupported parameter: '${name}' ${reason}`, name, GatewayErrorCode.UNSUPPORTED_PARAMETER),
  providerNotConfigured: (model: string, provider: string): GatewayError =>
    serverError(503, `The model '${model}' is served by ${provider}, which is not configured on this gateway.`, GatewayErrorCode.PROVIDER_NOT_CONFIGURED),
  invalidJson: (): GatewayError =>
    refusal(400, 'The request body could not be parsed as a JSON object.', null, GatewayErrorCode.INVALID_JSON),
  missingParameter: (name: string): GatewayError =>
    refusal(400, `Missing required parameter: '${name}'.`, name, GatewayErrorCode.MISSING_REQUIRED_PARAMETER),
  invalidType: (name: string, expected: string): GatewayError =>
    refusal(400, `Invalid type for '${name}': expected ${expected}.`, name, GatewayErrorCode.INVALID_TYPE),
  tooLarge: (limitBytes: number): GatewayError =>
    refusal(413, `The request body exceeds the limit of ${limitBytes} bytes.`, null, GatewayErrorCode.REQUEST_TOO_LARGE),
  upstreamUnreachable: (): GatewayError =>
    serverError(502, 'The upstream provider could not be reached.', GatewayErrorCode.UPSTREAM_UNREACHABLE),
  upstreamTimeout: (): GatewayError =>
    serverError(504, 'The upstream provider did not answer in time.', GatewayErrorCode.UPSTREAM_TIMEOUT),
  internal: (): GatewayError => serverError(500, 'Unexpected error.', GatewayErrorCode.INTERNAL_ERROR),
  /** OpenAI's answer to a `previous_response_id` it does not know: another account's id gets exactly this. */
  previousResponseNotFound: (id: string): GatewayError =>
    refusal(404, `Previous response with id '${id}' not found.`, 'previous_response_id', GatewayErrorCode.PREVIOUS_RESPONSE_NOT_FOUND),
  /** OpenAI's answer to an unknown response id (`GET /v1/responses/{id}` …), which has no code; `param` for one named in a body. */
  responseNotFound: (id: string, param: string | null = null): GatewayError => ({
    status: 404,
    body: openAIError(`Response with id '${id}' not found.`, 'invalid_request_error', param, null),
  }),
  /**
   * OpenAI's answer to an input item id it does not know (an `item_reference`, an item sent
   * back by id), which has no code; with `store: false` OpenAI adds why it may be missing.
   */
  itemNotFound: (id: string, storeFalse = false, param = 'input'): GatewayError => ({
    status: 404,
    body: openAIError(`Item with id '${id}' not found.${storeFalse ? NOT_PERSISTED : ''}`, 'invalid_request_error', param, null),
  }),
};

const NOT_PERSISTED = ' Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.';

/** The body of an SSE error event, which the OpenAI SDKs raise as an APIError mid-stream. */
export function midStreamError(code: typeof GatewayErrorCode.UPSTREAM_TIMEOUT | typeof GatewayErrorCode.UPSTREAM_DISCONNECTED): OpenAIErrorBody {
  const message =
    code === GatewayErrorCode.UPSTREAM_TIMEOUT
      ? 'The upstream provider stopped sending; the stream was ended by the gateway.'
      : 'The connection to the upstream provider broke; the stream was ended by the gateway.';
  return openAIError(message, 'server_error', null, code);
}

/** Too late for a status code: a chat-completions stream (native or translated) tells the client in an SSE error event, as OpenAI does. */
export const chatStreamError: MidStreamReport = (kind, ending) => {
  const code = kind === 'timeout' ? GatewayErrorCode.UPSTREAM_TIMEOUT : GatewayErrorCode.UPSTREAM_DISCONNECTED;
  return `${eventSeparator(ending)}data: ${JSON.stringify(midStreamError(code))}\n\n`;
};

/**
 * Renders a gateway error in one provider's wire shape. A GatewayError carries OpenAI's
 * shape, which is the default; other providers (Anthropic, Gemini) map its status, code and
 * message to their own, so each SDK raises its usual typed errors for the gateway's refusals.
 */
export type GatewayErrorRenderer = (error: GatewayError, requestId: string) => unknown;
