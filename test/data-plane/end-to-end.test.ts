import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_REVOKE, createKey, MY_KEYS } from '../helpers/api-keys.js';
import { startFakeOpenAI, type FakeOpenAI, reply } from '../helpers/fake-openai.js';
import { signUpAndLogIn, type GraphQLClient } from '../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let fake: FakeOpenAI;
let stack: TestStack;
let user: GraphQLClient;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  stack = await startTestStack({ instances: 2, upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
  user = stack.cp.client();
  await signUpAndLogIn(user);
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

const sdk = (plane: number, apiKey: string) => new OpenAI({ apiKey, baseURL: `${stack.planes[plane]!.url}/v1`, maxRetries: 0 });

const EVENTS = `query($key: ID) { usageEvents(first: 100, filter: { apiKey: $key }) { nodes {
  requestId provider model inputTokens cachedInputTokens outputTokens reasoningTokens usageEstimated status httpStatus latencyMs ttftMs clientIp userAgent } } }`;

async function recordedEvents(keyId: string, count: number) {
  for (const plane of stack.planes) await plane.usage.flush();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const nodes = (await user.data(EVENTS, { key: keyId })).usageEvents.nodes as Record<string, unknown>[];
    if (nodes.length >= count || Date.now() > deadline) return nodes;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the core loop: key → model call through TokenByte → exact usage', () => {
  it('records what the upstream reported for a non-streaming call made with the openai SDK', async () => {
    const key = await createKey(user);
    fake.enqueue(reply({ content: 'one two three', usage: { cached_tokens: 2, reasoning_tokens: 4 } }));
    const answer = await sdk(0, key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count to three' }] });
    const [event] = await recordedEvents(key.id, 1);
    expect(event).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputTokens: answer.usage!.prompt_tokens,
      cachedInputTokens: 2,
      outputTokens: answer.usage!.completion_tokens,
      reasoningTokens: 4,
      usageEstimated: false,
      status: 'SUCCESS',
      httpStatus: 200,
      clientIp: '127.0.0.1',
    });
    expect(String(event!.userAgent)).toMatch(/^OpenAI\/JS/);
  });

  it('records the usage of a streamed call even though the client did not ask for it, and hides it from the client', async () => {
    const key = await createKey(user);
    const stream = await sdk(1, key.secret).chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk).not.toHaveProperty('usage');
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const upstreamBody = fake.requests.at(-1)!.body as { stream_options: unknown };
    expect(upstreamBody.stream_options).toEqual({ include_usage: true });
    const [event] = await recordedEvents(key.id, 1);
    expect(event).toMatchObject({ status: 'SUCCESS', usageEstimated: false, outputTokens: text.trim().split(/\s+/).length, inputTokens: 2 + 3 });
    expect(event!.ttftMs).toEqual(expect.any(Number));
  });

  it('the same request id reaches the client and the usage record', async () => {
    const key = await createKey(user);
    const { response } = await sdk(0, key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const [event] = await recordedEvents(key.id, 1);
    expect(response.headers.get('x-tokenbyte-request-id')).toBe(event!.requestId);
  });

  it('a revoked key is refused by every data-plane instance within a second', async () => {
    const key = await createKey(user);
    for (const plane of [0, 1]) await sdk(plane, key.secret).models.list();
    await user.data(API_KEY_REVOKE, { id: key.id });
    const started = Date.now();
    await Promise.all(
      [0, 1].map(async (plane) => {
        for (;;) {
          try {
            await sdk(plane, key.secret).models.list();
          } catch (error) {
            expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
            return;
          }
          if (Date.now() - started > 1_000) throw new Error(`instance ${plane} still accepts the key after 1 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
  });

  it("writes the key's last use back to the control-plane", async () => {
    const key = await createKey(user);
    await sdk(0, key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const before = Date.now();
    // The tracker writes at most once a minute per key, in the background; poll for it.
    let lastUsedAt: string | null = null;
    while (!lastUsedAt && Date.now() - before < 8_000) {
      const node = (await user.data(MY_KEYS)).me.apiKeys.nodes.find((k: { id: string }) => k.id === key.id);
      lastUsedAt = node.lastUsedAt;
      if (!lastUsedAt) await new Promise((r) => setTimeout(r, 200));
    }
    expect(Date.now() - Date.parse(lastUsedAt!)).toBeLessThan(15_000);
  });
});
