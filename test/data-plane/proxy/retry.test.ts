// Retries and failover between upstream credentials: only before the first byte reaches
// the client, only on connection errors, 429 and 5xx, honouring retry-after, within one
// deadline; one usage event per call whatever the number of attempts.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredCredential, StoredCredentials } from '../../../data-plane/providers/upstreams.js';
import { UsageStatus } from '../../../shared/usage-event.js';
import { apiError as anthropicError, startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../helpers/data-plane.js';
import { apiError, cutStream, hang, rateLimited, reply, serverError, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';

const MESSAGES = [{ role: 'user' as const, content: 'Say hello to the gateway' }];
// Short waits keep the suite fast; the deadline is what a retry-after is measured against.
const FAST = { UPSTREAM_RETRY_BASE_DELAY_MS: '10', UPSTREAM_RETRY_DEADLINE_MS: '2000', UPSTREAM_CREDENTIAL_COOLDOWN_MS: '60000' };

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let key: TestKey;
const started: TestDataPlane[] = [];

beforeAll(async () => {
  primary = await startFakeOpenAI({ apiKey: 'sk-primary' });
  secondary = await startFakeOpenAI({ apiKey: 'sk-secondary' });
  key = createTestKey();
});
afterAll(async () => {
  for (const dp of started) await dp.stop();
  await primary?.close();
  await secondary?.close();
});
beforeEach(() => {
  primary.reset();
  secondary.reset();
});

async function dataPlane(options: { env?: Record<string, string>; credentials?: readonly StoredCredential[] } = {}): Promise<TestDataPlane> {
  const stored: StoredCredentials | undefined = options.credentials && { forProvider: (p) => (p === 'openai' ? options.credentials! : null) };
  const dp = await startTestDataPlane({
    keys: [key],
    upstream: { baseUrl: primary.url, apiKey: primary.apiKey },
    ...(stored ? { credentials: stored } : {}),
    env: { ...FAST, ...options.env },
  });
  started.push(dp);
  return dp;
}

function client(dp: TestDataPlane): OpenAI {
  return new OpenAI({ apiKey: key.key, baseURL: `${dp.url}/v1`, maxRetries: 0 });
}

async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
  );
}

const primaryCredential: StoredCredential = { id: 'cred-primary', baseUrl: null, apiKey: 'sk-primary', weight: 1 };

describe('retries on one credential', () => {
  it('retries a 429 after its retry-after and answers with the retry: one usage event, SUCCESS', async () => {
    const dp = await dataPlane();
    primary.enqueue(apiError({ status: 429, type: 'requests', message: 'slow down', headers: { 'retry-after-ms': '150' } }));
    const began = Date.now();
    const completion = await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    expect(completion.choices[0]?.message.content).toBe('Hello from the fake upstream!');
    expect(primary.requests).toHaveLength(2);
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.SUCCESS, httpStatus: 200, outputTokens: completion.usage!.completion_tokens });
    expect(dp.usageEvents).toHaveLength(1);
    expect(dp.logs.filter((l) => l.msg === 'retrying upstream call')).toEqual([
      expect.objectContaining({ provider: 'openai', credential: 'env', attempt: 1, upstreamStatus: 429, waitMs: 150 }),
    ]);
  });

  it('retries 500 and 503, and gives up after UPSTREAM_MAX_ATTEMPTS with the last answer unchanged', async () => {
    const dp = await dataPlane({ env: { UPSTREAM_MAX_ATTEMPTS: '3' } });
    primary.enqueue(serverError(), apiError({ status: 503, type: 'server_error', message: 'busy' }), apiError({ status: 502, type: 'server_error', message: 'last' }));
    const error = await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error.status).toBe(502);
    expect(error.message).toContain('last');
    expect(primary.requests).toHaveLength(3);
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.UPSTREAM_ERROR, httpStatus: 502, inputTokens: 0, outputTokens: 0 });
  });

  it('passes a 429 through at once when its retry-after would end past the deadline, retry-after intact', async () => {
    const dp = await dataPlane();
    primary.enqueue(rateLimited({ retryAfterSeconds: 7 }));
    const began = Date.now();
    const error = await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    // Well under the 7 s it asked for: generous, so a loaded machine does not fail it.
    expect(Date.now() - began).toBeLessThan(5000);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(primary.requests).toHaveLength(1);
  });

  it('retries a refused connection, then answers 502 when the upstream never comes', async () => {
    const dp = await startTestDataPlane({ keys: [key], upstream: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-x' }, env: FAST });
    started.push(dp);
    const error = await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error.status).toBe(502);
    expect(dp.logs.filter((l) => l.msg === 'retrying upstream call').map((l) => l.upstreamError)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.UPSTREAM_ERROR, httpStatus: 502 });
  });

  it('never retries a client error (400) or a first-byte timeout', async () => {
    const dp = await dataPlane({ env: { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '200' } });
    primary.enqueue(apiError({ status: 400, type: 'invalid_request_error', message: 'bad' }));
    expect((await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }))).status).toBe(400);
    expect(primary.requests).toHaveLength(1);

    primary.reset();
    primary.enqueue(hang());
    expect((await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }))).status).toBe(504);
    expect(primary.requests).toHaveLength(1);
    const events = await dp.waitForUsage(2);
    expect(events[1]).toMatchObject({ status: UsageStatus.TIMEOUT, httpStatus: 504 });
  });

  it('never retries once streaming started: a cut stream ends with an error frame, one upstream request', async () => {
    const dp = await dataPlane();
    primary.enqueue(cutStream(2, 'destroy'));
    const stream = await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const pieces: string[] = [];
    const failure = await (async () => {
      try {
        for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? '');
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(pieces.join('')).toBe('Hello from');
    expect(primary.requests).toHaveLength(1);
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.UPSTREAM_ERROR, usageEstimated: true });
  });

  it('stops waiting when the client leaves during a retry wait, records CLIENT_ABORT and sends nothing more', async () => {
    const dp = await dataPlane();
    primary.enqueue(apiError({ status: 503, type: 'server_error', message: 'busy', headers: { 'retry-after': '1' } }));
    const controller = new AbortController();
    const call = client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }, { signal: controller.signal });
    await primary.waitForRequests(1);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await expect(call).rejects.toThrow();
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.CLIENT_ABORT });
    await new Promise((r) => setTimeout(r, 1100));
    expect(primary.requests).toHaveLength(1);
  });

  it('honours Anthropic\'s x-should-retry: false', async () => {
    const anthropic: FakeAnthropic = await startFakeAnthropic();
    try {
      const dp = await startTestDataPlane({ keys: [key], anthropic: { baseUrl: anthropic.url, apiKey: anthropic.apiKey }, env: FAST });
      started.push(dp);
      anthropic.enqueue(anthropicError({ status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'x-should-retry': 'false' } }));
      const sdk = new Anthropic({ apiKey: key.key, baseURL: dp.url, maxRetries: 0 });
      const error = await sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: MESSAGES }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
      expect(anthropic.requests).toHaveLength(1);

      anthropic.enqueue(anthropicError({ status: 529, type: 'overloaded_error', message: 'Overloaded' }));
      const answer = await sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: MESSAGES });
      expect(answer.type).toBe('message');
      expect(anthropic.requests).toHaveLength(3);
    } finally {
      await anthropic.close();
    }
  });
});

describe('several credentials', () => {
  const secondaryCredential = (): StoredCredential => ({ id: 'cred-secondary', baseUrl: secondary.url, apiKey: 'sk-secondary', weight: 1 });

  it('fails over to another credential at once, without waiting for the first one\'s retry-after', async () => {
    const dp = await dataPlane({ credentials: [primaryCredential, { ...secondaryCredential(), weight: 0 }] });
    primary.enqueue(rateLimited({ retryAfterSeconds: 30 }));
    const began = Date.now();
    const completion = await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(Date.now() - began).toBeLessThan(5000);
    expect(completion.object).toBe('chat.completion');
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(1);
    // Each upstream got its own credential's key, never the client's.
    expect(primary.requests[0]?.headers.authorization).toBe('Bearer sk-primary');
    expect(secondary.requests[0]?.headers.authorization).toBe('Bearer sk-secondary');

    // The rate-limited credential cools down: the next calls go to the standby, not into the 429.
    await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(2);
  });

  it('spreads calls by weight and keeps a standby (weight 0) idle while the others are healthy', async () => {
    const standby = await startFakeOpenAI({ apiKey: 'sk-standby' });
    try {
      const dp = await dataPlane({
        credentials: [
          { ...primaryCredential, weight: 3 },
          secondaryCredential(),
          { id: 'cred-standby', baseUrl: standby.url, apiKey: 'sk-standby', weight: 0 },
        ],
      });
      const calls = 200;
      for (let i = 0; i < calls; i++) await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
      expect(primary.requests.length + secondary.requests.length).toBe(calls);
      expect(standby.requests).toHaveLength(0);
      // 3:1 expected (150:50, σ ≈ 6): both bounds lie over 4σ out, yet an even split (100:100) fails the first.
      expect(primary.requests.length).toBeGreaterThan(120);
      expect(secondary.requests.length).toBeGreaterThan(25);
    } finally {
      await standby.close();
    }
  });

  it('fails over from an unreachable credential and records the call once', async () => {
    const dp = await dataPlane({ credentials: [{ id: 'cred-dead', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-dead', weight: 1000 }, { ...primaryCredential, weight: 0 }] });
    const completion = await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(completion.object).toBe('chat.completion');
    expect(primary.requests).toHaveLength(1);
    const [event] = await dp.waitForUsage(1);
    expect(event).toMatchObject({ status: UsageStatus.SUCCESS, provider: 'openai' });
    expect(dp.usageEvents).toHaveLength(1);
  });

  it('uses the stored credentials instead of the environment\'s, and answers 503 when every stored one is disabled', async () => {
    const onlySecondary = await dataPlane({ credentials: [secondaryCredential()] });
    await client(onlySecondary).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(secondary.requests).toHaveLength(1);
    expect(primary.requests).toHaveLength(0);

    const allDisabled = await dataPlane({ credentials: [] });
    const error = await rejection(client(allDisabled).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error.status).toBe(503);
    expect(primary.requests).toHaveLength(0);
  });

  it('keeps the answer of the last credential when all fail', async () => {
    const dp = await dataPlane({ credentials: [primaryCredential, secondaryCredential()], env: { UPSTREAM_MAX_ATTEMPTS: '2' } });
    primary.enqueue(serverError('primary broke'));
    secondary.enqueue(serverError('secondary broke'));
    const error = await rejection(client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }));
    expect(error.status).toBe(500);
    expect(primary.requests.length + secondary.requests.length).toBe(2);
    expect(primary.requests).toHaveLength(1);
  });

  it('a reply after a failover is the reply the client sees, byte for byte as on one credential', async () => {
    const dp = await dataPlane({ credentials: [primaryCredential, { ...secondaryCredential(), weight: 0 }] });
    primary.enqueue(serverError());
    secondary.enqueue(reply({ content: 'From the second credential' }));
    const completion = await client(dp).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(completion.choices[0]?.message.content).toBe('From the second credential');
  });
});
