// Anthropic error answers → OpenAI's error shape with the same status, as the openai SDK reads them.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { anthropicErrorToOpenAI } from '../../../../../data-plane/providers/anthropic/translate/error.js';

const anthropicError = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });

describe('anthropicErrorToOpenAI', () => {
  it.each([
    [400, 'invalid_request_error', 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'invalid_request_error', 'authentication_error'],
    [404, 'not_found_error', 'invalid_request_error', 'not_found_error'],
    [429, 'rate_limit_error', 'invalid_request_error', 'rate_limit_exceeded'],
    [500, 'api_error', 'server_error', 'api_error'],
    [529, 'overloaded_error', 'server_error', 'overloaded_error'],
  ])('keeps status %i and the message of %s', (status, anthropicType, type, code) => {
    expect(anthropicErrorToOpenAI(status, new TextEncoder().encode(anthropicError(anthropicType, 'Details.')))).toEqual({
      status,
      body: { error: { message: 'Details.', type, param: null, code } },
    });
  });

  it('does not echo a body that is not Anthropic\'s error shape', () => {
    expect(anthropicErrorToOpenAI(502, '<html>Bad gateway</html>')).toEqual({
      status: 502,
      body: { error: { message: 'The upstream provider answered with status 502.', type: 'server_error', param: null, code: null } },
    });
  });

  it.each([
    [429, OpenAI.RateLimitError, 'rate_limit_error'],
    [529, OpenAI.InternalServerError, 'overloaded_error'],
    [400, OpenAI.BadRequestError, 'invalid_request_error'],
  ])('makes the openai SDK raise its class for status %i', async (status, errorClass, anthropicType) => {
    const translated = anthropicErrorToOpenAI(status, anthropicError(anthropicType, 'Nope.'));
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://translated.invalid/v1',
      maxRetries: 0,
      fetch: async () => new Response(JSON.stringify(translated.body), { status: translated.status, headers: { 'content-type': 'application/json' } }),
    });
    const error = await client.chat.completions.create({ model: 'm', messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, message: expect.stringContaining('Nope.') });
  });
});
