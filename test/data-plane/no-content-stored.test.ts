import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../helpers/api-keys.js';
import { badRequest, cutStream, slowStream, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { signUpAndLogIn } from '../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let fake: FakeOpenAI;
let stack: TestStack;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  stack = await startTestStack({ upstream: { baseUrl: fake.url, apiKey: fake.apiKey }, env: { MAX_REQUEST_BODY_BYTES: '4096' } });
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

/** Every row of every table, as text. */
async function everyTable(): Promise<string> {
  const em = stack.cp.db.fork();
  const tables = (await em.getConnection().execute(`select table_name from information_schema.tables where table_schema = 'public'`)) as { table_name: string }[];
  expect(tables.map((t) => t.table_name)).toContain('usage_event');
  let text = '';
  for (const { table_name } of tables) text += JSON.stringify(await em.getConnection().execute(`select * from "${table_name}"`));
  return text;
}

async function everyFile(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

describe('privacy: "We do not store your API request content or response data"', () => {
  it('a unique marker sent in prompts and returned in completions is found in no table, no log line and no spool file', async () => {
    const prompt = `prompt-marker-${crypto.randomUUID()}`;
    const completion = `completion-marker-${crypto.randomUUID()}`;
    const client = stack.cp.client();
    await signUpAndLogIn(client);
    const key = await createKey(client, { allowedModels: ['gpt-4o-mini', 'text-embedding-3-small'] });
    const openai = new OpenAI({ apiKey: key.secret, baseURL: `${stack.planes[0]!.url}/v1`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: `please repeat ${prompt}` }];

    fake.setReply({ content: `here it is ${completion}` });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) void chunk;
    fake.enqueue(slowStream(30, { content: `a b c d e f g ${completion}` }));
    const aborted = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const chunk of aborted) {
      void chunk;
      break;
    }
    fake.enqueue(badRequest(`upstream refused ${completion}`));
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${prompt} ${'x'.repeat(5000)}` }] })).rejects.toBeInstanceOf(
      OpenAI.APIError,
    );
    const malformed = await fetch(`${stack.planes[0]!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: `{"model": "gpt-4o-mini", "messages": [${prompt}`,
    });
    expect(malformed.status).toBe(400);

    // Embeddings and Responses, streamed, cut, refused upstream and refused by the gateway.
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: [`please embed ${prompt}`, prompt] });
    await openai.responses.create({ model: 'gpt-4o-mini', instructions: `be brief ${prompt}`, input: `please repeat ${prompt}` });
    const responseStream = await openai.responses.create({ model: 'gpt-4o-mini', input: [{ role: 'user', content: `please repeat ${prompt}` }], stream: true });
    for await (const event of responseStream) void event;
    fake.enqueue(cutStream(3, 'destroy', { content: `a b c d e f g ${completion}` }));
    const cutResponses = await openai.responses.create({ model: 'gpt-4o-mini', input: `please repeat ${prompt}`, stream: true });
    await expect((async () => {
      for await (const event of cutResponses) void event;
    })()).rejects.toBeInstanceOf(OpenAI.APIError);
    fake.enqueue(badRequest(`upstream refused ${completion}`));
    await expect(openai.responses.create({ model: 'gpt-4o-mini', input: `please repeat ${prompt}` })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    for (const route of ['embeddings', 'responses']) {
      const refused = await fetch(`${stack.planes[0]!.url}/v1/${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: `{"model": "gpt-4o-mini", "input": [${prompt}`,
      });
      expect(refused.status).toBe(400);
    }
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes(prompt))).toBe(true); // the marker did travel
    expect(fake.requests.filter((r) => r.path !== '/v1/chat/completions' && r.rawBody.includes(prompt))).toHaveLength(5);

    await stack.planes[0]!.stop(); // flush every usage event and last-used time
    stack.planes.length = 0;
    const usage = await stack.cp.db.fork().getConnection().execute(`select count(*)::int as n from usage_event`);
    expect(usage).toEqual([{ n: 7 + 7 }]); // one per request, refusals included

    const stored = await everyTable();
    const logged = stack.logs.join('\n');
    const spooled = await everyFile(stack.spoolRoot);
    expect(logged).toContain('gpt-4o-mini'); // the logs are there, with metadata
    for (const secret of [prompt, completion, key.secret]) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
      expect(spooled).not.toContain(secret);
    }
  });
});
