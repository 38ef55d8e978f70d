import type { GatewayError } from '../../../proxy/errors.js';
import type { Translation } from './types.js';

/** Codes of the translators' 400s; `unsupported_parameter` is OpenAI's own code for the same refusal. */
export const TranslateErrorCode = {
  UNSUPPORTED_PARAMETER: 'unsupported_parameter',
  UNSUPPORTED_VALUE: 'unsupported_value',
  INVALID_VALUE: 'invalid_value',
  MISSING_REQUIRED_PARAMETER: 'missing_required_parameter',
} as const;
export type TranslateErrorCode = (typeof TranslateErrorCode)[keyof typeof TranslateErrorCode];

/** A 400 in OpenAI's shape naming `param`, which the OpenAI SDKs raise as BadRequestError. */
export function refuse<T>(param: string, message: string, code: TranslateErrorCode = TranslateErrorCode.UNSUPPORTED_PARAMETER): Translation<T> {
  const error: GatewayError = { status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
  return { ok: false, error };
}

