import { GatewayErrorCode, type GatewayError } from '../../proxy/errors.js';

/**
 * Anthropic's documented error types (https://docs.claude.com/en/api/errors): the `type`
 * the official SDKs read from `error.type`; the HTTP status picks the SDK's error class.
 */
export const AnthropicErrorType = {
  INVALID_REQUEST: 'invalid_request_error',
  AUTHENTICATION: 'authentication_error',
  BILLING: 'billing_error',
  PERMISSION: 'permission_error',
  NOT_FOUND: 'not_found_error',
  REQUEST_TOO_LARGE: 'request_too_large',
  RATE_LIMIT: 'rate_limit_error',
  API: 'api_error',
  TIMEOUT: 'timeout_error',
  OVERLOADED: 'overloaded_error',
} as const;
export type AnthropicErrorType = (typeof AnthropicErrorType)[keyof typeof AnthropicErrorType];

/** Anthropic's error body, as the API answers it and the SDKs parse it. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string | null;
}

// The gateway's own codes, each with the Anthropic type that means the same thing.
const TYPE_FOR_CODE: Readonly<Record<string, AnthropicErrorType>> = {
  [GatewayErrorCode.INVALID_API_KEY]: AnthropicErrorType.AUTHENTICATION,
  [GatewayErrorCode.MODEL_NOT_ALLOWED]: AnthropicErrorType.PERMISSION,
  [GatewayErrorCode.INVALID_JSON]: AnthropicErrorType.INVALID_REQUEST,
  [GatewayErrorCode.MISSING_REQUIRED_PARAMETER]: AnthropicErrorType.INVALID_REQUEST,
  [GatewayErrorCode.INVALID_TYPE]: AnthropicErrorType.INVALID_REQUEST,
  [GatewayErrorCode.REQUEST_TOO_LARGE]: AnthropicErrorType.REQUEST_TOO_LARGE,
  [GatewayErrorCode.UPSTREAM_UNREACHABLE]: AnthropicErrorType.API,
  [GatewayErrorCode.UPSTREAM_TIMEOUT]: AnthropicErrorType.TIMEOUT,
  [GatewayErrorCode.UPSTREAM_DISCONNECTED]: AnthropicErrorType.API,
  [GatewayErrorCode.INTERNAL_ERROR]: AnthropicErrorType.API,
};

/** The Anthropic type for an HTTP status, as Anthropic's error table pairs them. */
export function anthropicErrorTypeForStatus(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return AnthropicErrorType.AUTHENTICATION;
    case 402:
      return AnthropicErrorType.BILLING;
    case 403:
      return AnthropicErrorType.PERMISSION;
    case 404:
      return AnthropicErrorType.NOT_FOUND;
    case 413:
      return AnthropicErrorType.REQUEST_TOO_LARGE;
    case 429:
      return AnthropicErrorType.RATE_LIMIT;
    case 504:
      return AnthropicErrorType.TIMEOUT;
    case 529:
      return AnthropicErrorType.OVERLOADED;
    default:
      // "We may also use this error type for other 4XX status codes" (Anthropic's error docs).
      return status < 500 ? AnthropicErrorType.INVALID_REQUEST : AnthropicErrorType.API;
  }
}

/**
 * Renders one of the gateway's own errors in Anthropic's shape, so the Anthropic SDKs raise
 * the same typed errors (AuthenticationError, PermissionDeniedError, ...) they would for
 * Anthropic. The status and message are the gateway's; `request_id` is the gateway's
 * request id, which the client also gets in `x-tokenbyte-request-id`.
 */
export function renderAnthropicError(error: GatewayError, requestId: string): AnthropicErrorBody {
  const code = error.body.error.code;
  const type = (code !== null ? TYPE_FOR_CODE[code] : undefined) ?? anthropicErrorTypeForStatus(error.status);
  return { type: 'error', error: { type, message: error.body.error.message }, request_id: requestId };
}

/**
 * The SSE `error` event that ends a stream the gateway had to cut (the status line was
 * already sent). Anthropic reports mid-stream failures the same way, and the SDKs raise it
 * as an APIError carrying `type`.
 */
export function anthropicStreamErrorEvent(
  code: typeof GatewayErrorCode.UPSTREAM_TIMEOUT | typeof GatewayErrorCode.UPSTREAM_DISCONNECTED,
  requestId: string,
): string {
  const timeout = code === GatewayErrorCode.UPSTREAM_TIMEOUT;
  const body: AnthropicErrorBody = {
    type: 'error',
    error: {
      type: timeout ? AnthropicErrorType.TIMEOUT : AnthropicErrorType.API,
      message: timeout
        ? 'The upstream provider stopped sending; the stream was ended by the gateway.'
        : 'The connection to the upstream provider broke; the stream was ended by the gateway.',
    },
    request_id: requestId,
  };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}

/** 503 when no Anthropic upstream is configured: the operator's problem, not the caller's. */
export function anthropicNotConfigured(): GatewayError {
  return {
    status: 503,
    body: {
      error: {
        message: 'No Anthropic upstream is configured on this gateway.',
        type: 'server_error',
        param: null,
        code: 'upstream_not_configured',
      },
    },
  };
}
