// An upstream that compresses although asked for `identity` must not break usage
// accounting, nor leave the client with a content-encoding that does not match its bytes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';

const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
const COMPLETION = {
  id: 'chatcmpl-gzip',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'compressed hello', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: USAGE,
};

let upstream: Server;
let dataPlane: TestDataPlane;
let key: TestKey;
let encoding = 'gzip';
const acceptEncodings: Array<string | undefined> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    acceptEncodings.push(req.headers['accept-encoding']);
    req.resume().on('end', () => {
      const body = encoding === 'gzip' ? gzipSync(JSON.stringify(COMPLETION)) : Buffer.from('opaque');
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  const { port } = upstream.address() as AddressInfo;
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key], upstream: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-gzip' } });
});

afterAll(async () => {
  await dataPlane?.stop();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('upstream content-encoding', () => {
  it('decodes a gzip answer, sends it plain and reads its usage', async () => {
    encoding = 'gzip';
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'accept-encoding': 'identity' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual(COMPLETION);
    expect(acceptEncodings.at(-1)).toBe('identity');
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'SUCCESS', inputTokens: 11, outputTokens: 7, usageEstimated: false });
  });

  it('answers 502 rather than pass on an encoding it cannot decode', async () => {
    encoding = 'compress';
    const sdk = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
    const error = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, code: 'upstream_unreachable' });
  });
});
