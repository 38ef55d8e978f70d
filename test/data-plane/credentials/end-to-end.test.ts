// Admin-managed provider credentials through the whole product: an admin stores one
// through GraphQL, and every running data-plane calls the provider with it moments
// later (NOTIFY; bounds are loose for loaded CI machines); disabling them all turns the
// provider off; deleting them returns to the environment's credential.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../helpers/api-keys.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const CREATE = `mutation($input: UpstreamCredentialCreateInput!) {
  upstreamCredentialCreate(input: $input) { upstreamCredential { id secretLastFour } userErrors { field message code } } }`;
const UPDATE = `mutation($input: UpstreamCredentialUpdateInput!) {
  upstreamCredentialUpdate(input: $input) { upstreamCredential { id enabled } userErrors { field message code } } }`;
const DELETE = `mutation($input: UpstreamCredentialDeleteInput!) {
  upstreamCredentialDelete(input: $input) { deletedId userErrors { field message code } } }`;

let fromEnv: FakeOpenAI;
let stored: FakeOpenAI;
let stack: TestStack;
let admin: GraphQLClient;
let secret: string;

beforeAll(async () => {
  fromEnv = await startFakeOpenAI({ apiKey: 'sk-from-env' });
  stored = await startFakeOpenAI({ apiKey: 'sk-stored-by-an-admin' });
  stack = await startTestStack({ instances: 2, upstream: { baseUrl: fromEnv.url, apiKey: fromEnv.apiKey } });
  admin = stack.cp.client();
  const user = await signUpAndLogIn(admin);
  await promoteToAdmin(stack.cp.db.fork(), user.username);
  secret = (await createKey(admin)).secret;
});
afterAll(async () => {
  await stack?.stop();
  await fromEnv?.close();
  await stored?.close();
});

const call = (plane: number) =>
  new OpenAI({ apiKey: secret, baseURL: `${stack.planes[plane]!.url}/v1`, maxRetries: 0 }).chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hello' }],
  });

/**
 * Calls every data-plane until each one's call reaches `fake`; returns how long it took.
 * A plane that has not yet heard of the latest change may still answer from the state
 * before it (another upstream, or 503 while every stored credential was disabled), so a
 * failed call only counts as "not switched yet"; the last error is in the timeout's message.
 */
async function everyPlaneUses(fake: FakeOpenAI, withinMs = 10_000): Promise<number> {
  const started = Date.now();
  for (let plane = 0; plane < stack.planes.length; plane++) {
    for (;;) {
      const before = fake.requests.length;
      const failure = await call(plane).then(() => null, (error: unknown) => String(error));
      if (failure === null && fake.requests.length > before) break;
      if (Date.now() - started > withinMs) {
        throw new Error(`data-plane ${plane} did not switch within ${withinMs} ms${failure ? ` (last call: ${failure})` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return Date.now() - started;
}

describe('admin-managed upstream credentials', () => {
  it('are used by every data-plane moments after being stored, instead of the environment\'s', async () => {
    await everyPlaneUses(fromEnv);
    const { upstreamCredentialCreate } = await admin.data(CREATE, {
      input: { provider: 'OPENAI', name: 'primary', secret: stored.apiKey, baseUrl: stored.url },
    });
    expect(upstreamCredentialCreate.userErrors).toEqual([]);
    expect(upstreamCredentialCreate.upstreamCredential.secretLastFour).toBe('dmin');
    await everyPlaneUses(stored);
    const sent = stored.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-stored-by-an-admin');
    // The secret is nowhere in the logs of either plane.
    expect(stack.logs.join('\n')).not.toContain('sk-stored-by-an-admin');

    const id = upstreamCredentialCreate.upstreamCredential.id as string;
    await admin.data(UPDATE, { input: { id, enabled: false } });
    const started = Date.now();
    for (;;) {
      const refused = await call(0).then(() => null, (error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
      if (refused !== null) {
        expect(refused.status).toBe(503);
        break;
      }
      if (Date.now() - started > 10_000) throw new Error('the provider was not turned off within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }

    const { upstreamCredentialDelete } = await admin.data(DELETE, { input: { id } });
    expect(upstreamCredentialDelete.deletedId).toBe(id);
    await everyPlaneUses(fromEnv);
  });
});
