import type { GatewayError, GatewayErrorRenderer } from '../../proxy/errors.js';

/**
 * Google's error body (a `google.rpc.Status` over JSON). @google/genai raises any non-2xx
 * answer as `ApiError` with the HTTP status, and an SSE event carrying this body as an
 * `ApiError` mid-stream, so the gateway's own answers use it too.
 */
export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

// Google's canonical HTTP mapping of google.rpc.Code (google/rpc/code.proto). 502 is not in
// it: Google's own front ends answer a bad backend with UNAVAILABLE, so the gateway does too.
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The `google.rpc.Code` name Google pairs with an HTTP status. */
export function googleStatusName(httpStatus: number): string {
  // Any other refusal (e.g. a future 402 for an empty balance) is a state the caller must fix first.
  return STATUS_NAMES[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

/** Where the gateway's ErrorInfo says an error comes from, so it is never mistaken for Google's. */
export const TOKENBYTE_ERROR_DOMAIN = 'tokenbyte.gateway';

/**
 * A Google-shaped body for an error the gateway answers itself. The ErrorInfo detail
 * carries the gateway's code as `reason` (UPPER_SNAKE, as Google's reasons are) and the
 * request id, which is what a customer quotes to support.
 */
export function googleErrorBody(httpStatus: number, message: string, code: string | null, requestId?: string): GoogleErrorBody {
  const details =
    code === null
      ? undefined
      : [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: code.toUpperCase(),
            domain: TOKENBYTE_ERROR_DOMAIN,
            metadata: requestId === undefined ? {} : { requestId },
          },
        ];
  return { error: { code: httpStatus, message, status: googleStatusName(httpStatus), ...(details ? { details } : {}) } };
}

/** Renders the gateway's own errors (auth, refusals, upstream failures, crashes) in Google's shape. */
export const renderGoogleError: GatewayErrorRenderer = (error, requestId) =>
  googleErrorBody(error.status, error.body.error.message, error.body.error.code, requestId);

/** Codes the Gemini routes answer with besides the provider-neutral ones in proxy/errors.ts. */
export const GeminiErrorCode = {
  /** 404: a path under `/{version}/models/` that is not `{model}:{supported method}`. */
  UNKNOWN_METHOD: 'unknown_method',
  /** 400: `streamGenerateContent` without `alt=sse` (Google would stream a JSON array instead). */
  SSE_REQUIRED: 'sse_required',
  /** 400: the body names a model other than the one in the URL (the URL's is authorised and billed). */
  MODEL_MISMATCH: 'model_mismatch',
  /** 503: the gateway has no Gemini upstream configured. */
  UPSTREAM_NOT_CONFIGURED: 'upstream_not_configured',
} as const;

function gatewayError(status: number, message: string, code: string, param: string | null = null): GatewayError {
  return { status, body: { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code } } };
}

/**
 * The Gemini routes' own refusals. They are GatewayErrors (the proxy's neutral currency)
 * and reach the client through {@link renderGoogleError}.
 */
export const geminiErrors = {
  missingApiKey: (): GatewayError =>
    gatewayError(401, 'No API key provided. Send your TokenByte key in the "x-goog-api-key" header or as the "key" query parameter.', 'invalid_api_key'),
  // The key is never echoed back, not even masked: it may be someone else's secret.
  invalidApiKey: (): GatewayError => gatewayError(401, 'API key not valid. Please pass a valid TokenByte API key.', 'invalid_api_key'),
  // Google's own wording for a model it does not serve; here: not in the catalogue as a Gemini model.
  modelNotFound: (model: string, apiVersion: string, method: string): GatewayError =>
    gatewayError(404, `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}.`, 'model_not_found'),
  modelNotAllowed: (model: string): GatewayError =>
    gatewayError(403, `This API key is not allowed to use the model '${model}'.`, 'model_not_allowed'),
  unknownMethod: (method: string, pathname: string): GatewayError =>
    gatewayError(404, `Method not found: ${method} ${pathname}. Supported: models/{model}:generateContent, :streamGenerateContent, :countTokens, :embedContent, :batchEmbedContents.`, GeminiErrorCode.UNKNOWN_METHOD),
  invalidJson: (): GatewayError => gatewayError(400, 'Invalid JSON payload received. The request body must be a JSON object.', 'invalid_json'),
  // Google answers an oversized body with 400 INVALID_ARGUMENT and this wording, not 413.
  tooLarge: (limitBytes: number): GatewayError => gatewayError(400, `Request payload size exceeds the limit: ${limitBytes} bytes.`, 'request_too_large'),
  sseRequired: (): GatewayError =>
    gatewayError(400, 'streamGenerateContent is served as Server-Sent Events only: add "alt=sse" to the query string.', GeminiErrorCode.SSE_REQUIRED, 'alt'),
  modelMismatch: (field: string, model: string): GatewayError =>
    gatewayError(400, `${field} must name the model in the URL (models/${model}).`, GeminiErrorCode.MODEL_MISMATCH, field),
  notConfigured: (): GatewayError => gatewayError(503, 'No Gemini upstream is configured on this gateway.', GeminiErrorCode.UPSTREAM_NOT_CONFIGURED),
};

const encoder = new TextEncoder();

/**
 * An SSE event that ends a stream the upstream broke or stalled after the 200 was sent.
 * @google/genai raises it as `ApiError` with the code as status; `framed` says whether the
 * bytes sent so far ended an event, else a blank line closes the unfinished one first.
 */
export function midStreamGoogleError(kind: 'timeout' | 'disconnected', requestId: string, framed: boolean): Uint8Array {
  const body =
    kind === 'timeout'
      ? googleErrorBody(504, 'The upstream provider stopped sending; the stream was ended by the gateway.', 'upstream_timeout', requestId)
      : googleErrorBody(502, 'The connection to the upstream provider broke; the stream was ended by the gateway.', 'upstream_disconnected', requestId);
  return encoder.encode(`${framed ? '' : '\r\n\r\n'}data: ${JSON.stringify(body)}\r\n\r\n`);
}
