import type { OpenAIErrorBody } from '../../../proxy/errors.js';
import { isRecord } from '../../../../shared/json.js';

/** A Google error in OpenAI's shape, with the same status, and the headers an OpenAI client acts on. */
export interface TranslatedError {
  status: number;
  body: OpenAIErrorBody;
  /** `retry-after` (seconds) from Google's RetryInfo, which the OpenAI SDKs honour when retrying a 429. */
  headers: Record<string, string>;
}

/**
 * OpenAI error types by HTTP status. The OpenAI SDKs pick the error class from the status;
 * the type is for people and logs, so it follows what OpenAI sends for the same status.
 */
function openAIType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Google status names with an OpenAI code of the same meaning; the rest are passed on lower-cased. */
const CODES: Readonly<Record<string, string>> = {
  RESOURCE_EXHAUSTED: 'rate_limit_exceeded',
  UNAUTHENTICATED: 'invalid_api_key',
  NOT_FOUND: 'model_not_found',
};

/**
 * Translates a Google error body (`{ error: { code, message, status, details } }`) into
 * OpenAI's (`{ error: { message, type, param, code } }`) under the same HTTP status.
 * Bodies that are not Google's (e.g. the HTML page of Google's front end) keep their
 * status and get a generic message; their content is not echoed.
 */
export function googleErrorToOpenAI(status: number, body: Uint8Array | string | unknown): TranslatedError {
  const parsed = parse(body);
  const error = isRecord(parsed) && isRecord(parsed['error']) ? parsed['error'] : null;
  const message = typeof error?.['message'] === 'string' && error['message'] !== '' ? error['message'] : `The upstream provider answered with HTTP ${status}.`;
  const googleStatus = typeof error?.['status'] === 'string' ? error['status'] : null;
  const code = googleStatus === null ? null : (CODES[googleStatus] ?? googleStatus.toLowerCase());
  const retry = retryDelaySeconds(error?.['details']);
  return {
    status,
    body: { error: { message, type: openAIType(status), param: null, code } },
    headers: retry === null ? {} : { 'retry-after': String(retry) },
  };
}

function parse(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Whole seconds of a `google.rpc.RetryInfo` detail's `retryDelay` (a protobuf Duration such as "20s" or "1.5s"), rounded up. */
function retryDelaySeconds(details: unknown): number | null {
  if (!Array.isArray(details)) return null;
  for (const detail of details) {
    if (!isRecord(detail) || detail['@type'] !== 'type.googleapis.com/google.rpc.RetryInfo') continue;
    const delay = detail['retryDelay'];
    const seconds = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
    if (seconds !== undefined) return Math.ceil(Number(seconds));
  }
  return null;
}
