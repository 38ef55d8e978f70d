import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from '../../../data-plane/proxy/headers.js';
import { classifyUpstreamError, splitBaseUrl } from '../../../data-plane/proxy/upstream.js';

describe('upstreamRequestHeaders', () => {
  it('sends the useful client headers, nothing that identifies the client', () => {
    const headers = upstreamRequestHeaders(
      {
        authorization: 'Bearer tbk_customer',
        'x-api-key': 'tbk_customer',
        'x-goog-api-key': 'tbk_customer',
        cookie: 'a=b',
        host: 'gateway.example',
        connection: 'keep-alive',
        'transfer-encoding': 'chunked',
        'accept-encoding': 'gzip, br',
        'openai-organization': 'org-customer',
        'openai-project': 'proj-customer',
        'x-stainless-os': 'Linux',
        'x-stainless-retry-count': '2',
        'user-agent': 'OpenAI/JS 7.57.0',
        accept: 'application/json',
        'openai-beta': 'assistants=v2',
        'content-type': 'text/plain',
      },
      true,
    );
    expect(headers).toEqual({
      accept: 'application/json',
      'openai-beta': 'assistants=v2',
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      'user-agent': 'TokenByte-Gateway/0.1',
    });
  });

  it('never passes the client\'s authorization, and sends no content-type without a body', () => {
    expect(upstreamRequestHeaders({ authorization: 'Bearer tbk_x' }, false)).toEqual({
      'accept-encoding': 'identity',
      'user-agent': 'TokenByte-Gateway/0.1',
    });
  });
});

describe('clientResponseHeaders', () => {
  it('keeps the allowlist and drops everything else', () => {
    expect(
      clientResponseHeaders({
        'content-type': 'application/json',
        'content-length': '42',
        'content-encoding': 'gzip',
        'transfer-encoding': 'chunked',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'set-cookie': ['__cf_bm=x'],
        'openai-organization': 'our-org',
        'openai-project': 'our-project',
        'openai-processing-ms': '120',
        'openai-version': '2020-10-01',
        'x-request-id': 'req_1',
        'x-ratelimit-remaining-tokens': '100',
        'x-ratelimit-reset-requests': '1s',
        'retry-after': '3',
        'retry-after-ms': '3000',
        'cf-ray': 'abc',
        server: 'cloudflare',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'openai-processing-ms': '120',
      'openai-version': '2020-10-01',
      'x-request-id': 'req_1',
      'x-ratelimit-remaining-tokens': '100',
      'x-ratelimit-reset-requests': '1s',
      'retry-after': '3',
      'retry-after-ms': '3000',
    });
  });

  it('recognises an event stream whatever the parameters', () => {
    expect(isEventStream({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe(true);
    expect(isEventStream({ 'content-type': 'application/json' })).toBe(false);
    expect(isEventStream({})).toBe(false);
  });
});

describe('upstream plumbing', () => {
  it('splits a base URL into the pool origin and the API path', () => {
    expect(splitBaseUrl('https://api.openai.com/v1')).toEqual({ origin: 'https://api.openai.com', basePath: '/v1' });
    expect(splitBaseUrl('http://127.0.0.1:8000/')).toEqual({ origin: 'http://127.0.0.1:8000', basePath: '' });
  });

  it('classifies failures by whether the upstream may have done work', () => {
    const live = new AbortController().signal;
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyUpstreamError(error('ECONNREFUSED'), live)).toEqual({ kind: 'unreachable', reachedUpstream: false, code: 'ECONNREFUSED' });
    expect(classifyUpstreamError(error('UND_ERR_SOCKET'), live)).toEqual({ kind: 'unreachable', reachedUpstream: true, code: 'UND_ERR_SOCKET' });
    expect(classifyUpstreamError(error('UND_ERR_CONNECT_TIMEOUT'), live)).toMatchObject({ kind: 'timeout', reachedUpstream: false });
    expect(classifyUpstreamError(error('UND_ERR_HEADERS_TIMEOUT'), live)).toMatchObject({ kind: 'timeout', reachedUpstream: true });
    expect(classifyUpstreamError(error('UND_ERR_BODY_TIMEOUT'), live)).toMatchObject({ kind: 'timeout', reachedUpstream: true });
    expect(classifyUpstreamError(error('UND_ERR_BODY_TIMEOUT'), AbortSignal.abort())).toEqual({ kind: 'client_abort', reachedUpstream: true });
  });
});
