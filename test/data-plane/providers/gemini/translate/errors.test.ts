// Google error bodies in OpenAI's shape, under the same status.
import { describe, expect, it } from 'vitest';
import { googleErrorToOpenAI } from '../../../../../data-plane/providers/gemini/translate/errors.js';
import { resourceExhausted, type FakeBehaviour } from '../../../../helpers/fake-gemini.js';

function errorBody(behaviour: FakeBehaviour): unknown {
  if (behaviour.kind !== 'error') throw new Error('not an error behaviour');
  return { error: { code: behaviour.code, message: behaviour.message, status: behaviour.status, ...(behaviour.details ? { details: behaviour.details } : {}) } };
}

describe('googleErrorToOpenAI', () => {
  it('keeps the status and message, maps the type by status and the code by Google status', () => {
    const body = JSON.stringify({ error: { code: 400, message: 'Invalid value at temperature', status: 'INVALID_ARGUMENT' } });
    expect(googleErrorToOpenAI(400, body)).toEqual({
      status: 400,
      body: { error: { message: 'Invalid value at temperature', type: 'invalid_request_error', param: null, code: 'invalid_argument' } },
      headers: {},
    });
    expect(googleErrorToOpenAI(403, { error: { code: 403, message: 'no', status: 'PERMISSION_DENIED' } }).body.error).toMatchObject({ type: 'permission_error', code: 'permission_denied' });
    expect(googleErrorToOpenAI(404, { error: { code: 404, message: 'gone', status: 'NOT_FOUND' } }).body.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
    expect(googleErrorToOpenAI(503, { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }).body.error).toMatchObject({ type: 'server_error', code: 'unavailable' });
  });

  it("turns a 429's RetryInfo into retry-after, which the OpenAI SDKs honour", () => {
    const translated = googleErrorToOpenAI(429, new TextEncoder().encode(JSON.stringify(errorBody(resourceExhausted({ retryDelaySeconds: 17 })))));
    expect(translated.status).toBe(429);
    expect(translated.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(translated.body.error.message).toContain('You exceeded your current quota');
    expect(translated.headers).toEqual({ 'retry-after': '17' });
    const fractional = { error: { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.2s' }] } };
    expect(googleErrorToOpenAI(429, fractional).headers).toEqual({ 'retry-after': '2' });
  });

  it("gives a body that is not Google's (an HTML page) a generic message without echoing it", () => {
    const translated = googleErrorToOpenAI(404, '<html><title>Error 404 (Not Found)!!1</title></html>');
    expect(translated).toEqual({
      status: 404,
      body: { error: { message: 'The upstream provider answered with HTTP 404.', type: 'invalid_request_error', param: null, code: null } },
      headers: {},
    });
  });
});
