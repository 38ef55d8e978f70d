import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { API_KEY_REVOKE, createKey } from '../../helpers/api-keys.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const DELETION = '§6 "Deletion: Request deletion of your account and associated data"';
const RBAC = '§4 "Role-based access controls"';

const DELETION_REQUEST = `mutation($input: AccountDeletionRequestInput!) { accountDeletionRequest(input: $input) { requestedAt userErrors { code } } }`;
const SUSPEND = `mutation($id: ID!) { accountSuspend(id: $id) { account { suspended } userErrors { code } } }`;
const UNSUSPEND = `mutation($id: ID!) { accountUnsuspend(id: $id) { account { suspended } userErrors { code } } }`;

let fake: FakeOpenAI;
let stack: TestStack;
let admin: GraphQLClient;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  stack = await startTestStack({ instances: 2, upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
  admin = stack.cp.client();
  const user = await signUpAndLogIn(admin);
  await promoteToAdmin(stack.cp.db.fork(), user.username);
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

const PLANES = [0, 1] as const;
const sdk = (plane: number, apiKey: string) => new OpenAI({ apiKey, baseURL: `${stack.planes[plane]!.url}/v1`, maxRetries: 0 });

/** Whether this instance accepts the key now (a model list needs a valid key and nothing else). */
async function accepts(plane: number, secret: string): Promise<boolean> {
  try {
    await sdk(plane, secret).models.list();
    return true;
  } catch (error) {
    if (error instanceof OpenAI.AuthenticationError) return false;
    throw error;
  }
}

/** Waits until every instance answers `expected` for every key; fails after `ms`. */
async function everyInstance(secrets: string[], expected: boolean, ms = 1_000): Promise<void> {
  const started = Date.now();
  await Promise.all(
    PLANES.flatMap((plane) =>
      secrets.map(async (secret) => {
        while ((await accepts(plane, secret)) !== expected) {
          if (Date.now() - started > ms) throw new Error(`instance ${plane} still ${expected ? 'refuses' : 'accepts'} a key after ${ms} ms`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    ),
  );
}

/** An account with two keys, both warm in both instances' caches. */
async function accountWithWarmKeys() {
  const client = stack.cp.client();
  const user = await signUpAndLogIn(client);
  const keys = [await createKey(client, { name: 'one' }), await createKey(client, { name: 'two' })];
  for (const plane of PLANES) for (const key of keys) expect(await accepts(plane, key.secret)).toBe(true);
  return { client, user, keys };
}

describe('the data-plane and the account state', () => {
  it(`${DELETION} — every API key of the account is refused by every data-plane instance within a second`, async () => {
    const { client, user, keys } = await accountWithWarmKeys();
    const other = await accountWithWarmKeys();
    const { accountDeletionRequest } = await client.data(DELETION_REQUEST, { input: { password: user.password } });
    expect(accountDeletionRequest.userErrors).toEqual([]);
    await everyInstance(keys.map((k) => k.secret), false);
    // The refusal is the ordinary 401 of a bad key, through the SDK.
    await expect(sdk(0, keys[0]!.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    // Another account's keys carry on.
    for (const plane of PLANES) for (const key of other.keys) expect(await accepts(plane, key.secret)).toBe(true);
  });

  it(`${RBAC} — an admin's suspension makes every instance refuse the account's keys within a second; unsuspension brings back those not revoked`, async () => {
    const { user, keys } = await accountWithWarmKeys();
    expect((await admin.data(SUSPEND, { id: user.id })).accountSuspend).toEqual({ account: { suspended: true }, userErrors: [] });
    await everyInstance(keys.map((k) => k.secret), false);
    expect((await admin.data(API_KEY_REVOKE, { id: keys[1]!.id })).apiKeyRevoke.userErrors).toEqual([]);
    expect((await admin.data(UNSUSPEND, { id: user.id })).accountUnsuspend).toEqual({ account: { suspended: false }, userErrors: [] });
    await everyInstance([keys[0]!.secret], true);
    for (const plane of PLANES) expect(await accepts(plane, keys[1]!.secret)).toBe(false);
  });
});
