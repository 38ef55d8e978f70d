// The small pieces of the Anthropic route: request validation, header policy and error shape.
import { describe, expect, it } from 'vitest';
import { dataPlaneConfigFrom } from '../../../../data-plane/config.js';
import { gatewayErrors, type GatewayError } from '../../../../data-plane/proxy/errors.js';
import { anthropicStreamErrorEvent, renderAnthropicError } from '../../../../data-plane/providers/anthropic/errors.js';
import { anthropicClientHeaders, anthropicUpstreamHeaders } from '../../../../data-plane/providers/anthropic/headers.js';
import { parseMessagesRequest } from '../../../../data-plane/providers/anthropic/request.js';

const bytes = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseMessagesRequest', () => {
  it('keeps the client bytes and counts the prompt text, system and tool results included', () => {
    const body = bytes({
      model: 'claude-haiku-4-5',
      stream: true,
      system: [{ type: 'text', text: 'abcd' }],
      messages: [
        { role: 'user', content: 'hello' },
        { role: 'user', content: [{ type: 'text', text: 'xy' }, { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: '123' }] }, { type: 'image', source: {} }] },
      ],
    });
    const parsed = parseMessagesRequest(body);
    expect(parsed).toEqual({ ok: true, request: { model: 'claude-haiku-4-5', stream: true, inputChars: 4 + 5 + 2 + 3, upstreamBody: body, fields: JSON.parse(body.toString()) } });
  });

  it.each([
    ['not JSON', '{"model":', 'invalid_json'],
    ['an array', '[]', 'invalid_json'],
    ['no model', { messages: [] }, 'missing_required_parameter'],
    ['a numeric model', { model: 3, messages: [] }, 'invalid_type'],
    ['no messages', { model: 'm' }, 'missing_required_parameter'],
    ['messages that are no array', { model: 'm', messages: 'hi' }, 'invalid_type'],
  ])('refuses %s with 400 %s', (_name, body, code) => {
    const parsed = parseMessagesRequest(bytes(body));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ status: 400, body: { error: { code } } });
  });
});

describe('renderAnthropicError', () => {
  it.each([
    ['missing key', gatewayErrors.missingApiKey(), 'authentication_error'],
    ['model not allowed', gatewayErrors.modelNotAllowed('m'), 'permission_error'],
    ['invalid JSON', gatewayErrors.invalidJson(), 'invalid_request_error'],
    ['too large', gatewayErrors.tooLarge(10), 'request_too_large'],
    ['unreachable', gatewayErrors.upstreamUnreachable(), 'api_error'],
    ['timeout', gatewayErrors.upstreamTimeout(), 'timeout_error'],
    ['internal', gatewayErrors.internal(), 'api_error'],
  ])('renders the %s error as %s, keeping its message, with the request id', (_name, error, type) => {
    expect(renderAnthropicError(error, 'req-1')).toEqual({ type: 'error', error: { type, message: error.body.error.message }, request_id: 'req-1' });
  });

  it('maps codes it does not know by status, as Anthropic pairs statuses and types', () => {
    const unknown = (status: number): GatewayError => ({ status, body: { error: { message: 'm', type: 'x', param: null, code: 'something_new' } } });
    expect([404, 402, 429, 409, 503, 529].map((status) => renderAnthropicError(unknown(status), 'r').error.type)).toEqual([
      'not_found_error',
      'billing_error',
      'rate_limit_error',
      'invalid_request_error',
      'api_error',
      'overloaded_error',
    ]);
  });

  it('frames a mid-stream failure as an SSE error event', () => {
    expect(anthropicStreamErrorEvent('upstream_timeout', 'r')).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"timeout_error",.*"request_id":"r"\}\n\n$/);
  });
});

describe('anthropic headers', () => {
  it('passes the client\'s version and betas, and nothing else of the client\'s (its key least of all)', () => {
    const headers = anthropicUpstreamHeaders(
      {
        authorization: 'Bearer tbk_customer',
        'x-api-key': 'tbk_customer',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'a-1, b-2',
        'anthropic-workspace-id': 'wrkspc_1',
        'x-stainless-os': 'Linux',
        cookie: 'c=1',
      },
    );
    expect(headers).toEqual({
      'accept-encoding': 'identity',
      'user-agent': 'TokenByte-Gateway/0.1',
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'a-1, b-2',
    });
  });

  it('lets the client see request-id, rate limits and retry hints only', () => {
    expect(
      anthropicClientHeaders({
        'content-type': 'application/json',
        'request-id': 'req_1',
        'anthropic-ratelimit-tokens-remaining': '5',
        'retry-after': '3',
        'x-should-retry': 'true',
        'anthropic-organization-id': 'org',
        'set-cookie': ['a=1'],
        'transfer-encoding': 'chunked',
        'content-length': '10',
        connection: 'keep-alive',
      }),
    ).toEqual({ 'content-type': 'application/json', 'request-id': 'req_1', 'anthropic-ratelimit-tokens-remaining': '5', 'retry-after': '3', 'x-should-retry': 'true' });
  });
});

describe('anthropic upstream config', () => {
  it('defaults the base URL to Anthropic\'s origin when only the key is set, and configures nothing without either', () => {
    expect(dataPlaneConfigFrom({ ANTHROPIC_API_KEY: 'sk-ant-1' }).anthropic).toEqual({ baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-1' });
    expect(dataPlaneConfigFrom({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000/' }).anthropic).toEqual({ baseUrl: 'http://127.0.0.1:9000', apiKey: undefined });
    expect(dataPlaneConfigFrom({}).anthropic).toBeNull();
  });
});
