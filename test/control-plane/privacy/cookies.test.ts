import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_CREATE } from '../../helpers/api-keys.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { LOG_IN, ME, newUser, SIGN_UP } from '../../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let fake: FakeOpenAI;
let stack: TestStack;
const setCookies: string[] = [];
let responses = 0;

/** fetch that remembers every Set-Cookie header of every response, from either plane. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  responses++;
  setCookies.push(...response.headers.getSetCookie());
  return response;
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  stack = await startTestStack({ upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

describe('§7 "We use essential cookies to maintain your login session and preferences. We do not use third-party tracking cookies or advertising cookies."', () => {
  it('no response of either plane ever sets any cookie other than the essential session cookie', async () => {
    const gql = async (query: string, variables: Record<string, unknown> = {}, cookie?: string, contentType = 'application/json') => {
      const response = await recordingFetch(`${stack.cp.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { response, body: (await response.json()) as { data: Record<string, any> } };
    };
    const user = newUser();
    await gql(SIGN_UP, { input: user });
    await gql(LOG_IN, { input: { login: user.username, password: 'wrong password!' } });
    const login = await gql(LOG_IN, { input: { login: user.username, password: user.password } });
    const cookie = login.response.headers.getSetCookie()[0]!.split(';')[0]!;
    await gql(ME, {}, cookie);
    const key = (await gql(API_KEY_CREATE, { input: { name: 'cookies' } }, cookie)).body.data.apiKeyCreate.secret as string;
    await gql(`query { sessions { nodes { id } } }`, {}, cookie);
    await gql(`query { accounts { nodes { id } } }`, {}, cookie); // forbidden
    await gql(`{ nope }`, {}, cookie); // invalid
    await gql(ME, {}, cookie, 'text/plain'); // CSRF-refused
    for (const path of ['/healthz', '/readyz', '/graphql?query=%7Bme%7Bid%7D%7D', '/nowhere']) await recordingFetch(`${stack.cp.url}${path}`);

    const dp = stack.planes[0]!.url;
    const openai = new OpenAI({ apiKey: key, baseURL: `${dp}/v1`, maxRetries: 0, fetch: recordingFetch });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const chunk of stream) void chunk;
    await openai.models.list();
    await openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    await new OpenAI({ apiKey: 'tbk_wrong', baseURL: `${dp}/v1`, maxRetries: 0, fetch: recordingFetch }).models.list().catch(() => undefined);
    for (const [path, method] of [
      ['/healthz', 'GET'],
      ['/readyz', 'GET'],
      ['/v1/messages', 'POST'],
      ['/v1beta/models/gemini-2.5-flash:generateContent', 'POST'],
      ['/nowhere', 'GET'],
    ] as const) {
      await recordingFetch(`${dp}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    }
    await gql(`mutation { logOut { loggedOut } }`, {}, cookie);

    expect(responses).toBeGreaterThan(20);
    expect(setCookies.length).toBeGreaterThanOrEqual(2); // the login sets it, the logout clears it
    for (const header of setCookies) expect(header).toMatch(/^tb_session=[^;]*;/);
  });
});
