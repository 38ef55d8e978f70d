// The Google error shape of the gateway's own answers, per status.
import { describe, expect, it } from 'vitest';
import { gatewayErrors } from '../../../../data-plane/proxy/errors.js';
import { googleStatusName, midStreamGoogleError, renderGoogleError } from '../../../../data-plane/providers/gemini/errors.js';

describe("Google's error shape", () => {
  it('pairs each status with its google.rpc.Code name', () => {
    expect([400, 401, 403, 404, 429, 499, 500, 502, 503, 504, 402, 418, 599].map(googleStatusName)).toEqual([
      'INVALID_ARGUMENT',
      'UNAUTHENTICATED',
      'PERMISSION_DENIED',
      'NOT_FOUND',
      'RESOURCE_EXHAUSTED',
      'CANCELLED',
      'INTERNAL',
      'UNAVAILABLE',
      'UNAVAILABLE',
      'DEADLINE_EXCEEDED',
      'FAILED_PRECONDITION',
      'FAILED_PRECONDITION',
      'INTERNAL',
    ]);
  });

  it('renders a gateway error with its message, status name and an ErrorInfo carrying the code and request id', () => {
    expect(renderGoogleError(gatewayErrors.upstreamTimeout(), 'req-1')).toEqual({
      error: {
        code: 504,
        message: 'The upstream provider did not answer in time.',
        status: 'DEADLINE_EXCEEDED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'UPSTREAM_TIMEOUT', domain: 'tokenbyte.gateway', metadata: { requestId: 'req-1' } }],
      },
    });
  });

  it('frames a mid-stream error as its own CRLF event, closing an unfinished one first', () => {
    const decoder = new TextDecoder();
    const framed = decoder.decode(midStreamGoogleError('disconnected', 'r', true));
    expect(framed).toMatch(/^data: \{"error":\{"code":502,.*"status":"UNAVAILABLE".*\}\r\n\r\n$/);
    expect(decoder.decode(midStreamGoogleError('timeout', 'r', false))).toMatch(/^\r\n\r\ndata: \{"error":\{"code":504,/);
  });
});
