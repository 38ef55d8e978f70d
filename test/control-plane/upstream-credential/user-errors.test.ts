import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../../control-plane/graphql/node.js';
import { newId } from '../../../shared/ids.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import type { GraphQLClient } from '../../helpers/graphql-client.js';
import { loggedIn } from '../catalogue/fixture.js';
import { CREDENTIAL_CREATE, CREDENTIAL_DELETE, CREDENTIAL_UPDATE, createCredential, newSecret, type CredentialNode } from './fixture.js';

let cp: TestControlPlane;
let admin: GraphQLClient;
let names = 0;

const secret = () => newSecret();
const uniqueName = (label = 'primary') => `${label} ${++names}`;
const create = (input: Record<string, unknown> = {}): Promise<CredentialNode> =>
  createCredential(admin, { provider: 'OPENAI', name: uniqueName(), secret: secret(), ...input });

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await loggedIn(cp, true);
});
afterAll(() => cp?.stop());

describe('userErrors', () => {
  const errorsOf = async (query: string, input: Record<string, unknown>) => {
    const data = await admin.data(query, { input });
    const payload = Object.values(data)[0] as { userErrors: { field: string[] | null; code: string; message: string }[] };
    return payload.userErrors;
  };
  const createErrors = (input: Record<string, unknown>) => errorsOf(CREDENTIAL_CREATE, { provider: 'OPENAI', name: uniqueName('errors'), secret: secret(), ...input });

  it('a name is unique per provider (TAKEN), on create and on rename; the same name under another provider is fine', async () => {
    const name = uniqueName('shared name');
    await create({ provider: 'OPENAI', name });
    expect(await createErrors({ provider: 'OPENAI', name })).toEqual([{ field: ['input', 'name'], code: 'TAKEN', message: 'This provider has a credential of this name already.' }]);
    expect(await createErrors({ provider: 'OPENAI', name: `  ${name} ` })).toMatchObject([{ code: 'TAKEN' }]);
    const gemini = await create({ provider: 'GEMINI', name });
    expect(gemini.name).toBe(name);
    const other = await create({ provider: 'OPENAI' });
    expect(await errorsOf(CREDENTIAL_UPDATE, { id: other.id, name })).toMatchObject([{ field: ['input', 'name'], code: 'TAKEN' }]);
    // Renaming to its own name is no conflict.
    expect(await errorsOf(CREDENTIAL_UPDATE, { id: other.id, name: other.name })).toEqual([]);
  });

  it('refuses an empty, blank, oversized or control-character name', async () => {
    const credential = await create();
    for (const name of ['', '   ', 'x'.repeat(129), 'tab\there', 'nul\u0000byte']) {
      expect(await createErrors({ name }), JSON.stringify(name)).toMatchObject([{ field: ['input', 'name'], code: 'INVALID' }]);
      expect(await errorsOf(CREDENTIAL_UPDATE, { id: credential.id, name }), JSON.stringify(name)).toMatchObject([{ field: ['input', 'name'], code: 'INVALID' }]);
    }
    expect(await createErrors({ name: 'n'.repeat(128) })).toEqual([]);
  });

  it('refuses an empty or oversized secret, or one with spaces or line breaks, without repeating it', async () => {
    const credential = await create();
    const tooLong = `sk-${'z'.repeat(4094)}`;
    for (const bad of ['', '   ', tooLong, 'sk-with space-inside', 'sk-line\r\nX-Injected: 1']) {
      for (const errors of [await createErrors({ secret: bad }), await errorsOf(CREDENTIAL_UPDATE, { id: credential.id, secret: bad })]) {
        expect(errors, JSON.stringify(bad)).toMatchObject([{ field: ['input', 'secret'], code: 'INVALID' }]);
        if (bad.trim()) expect(JSON.stringify(errors)).not.toContain(bad.trim());
      }
    }
    expect(await createErrors({ secret: `sk-${'z'.repeat(4093)}` })).toEqual([]);
  });

  it('refuses a base URL that is not an absolute http(s) URL, or carries credentials, a query or a fragment', async () => {
    const credential = await create();
    const bad = [
      'ftp://example.com/v1',
      'not a url',
      '/v1',
      'api.openai.com/v1',
      'https://',
      'https://user:pass@example.com/v1',
      'https://user@example.com/v1',
      'https://example.com/v1?key=abc',
      'https://example.com/v1#section',
      'https://exa mple.com/v1',
      `https://example.com/${'p'.repeat(2048)}`,
    ];
    for (const baseUrl of bad) {
      expect(await createErrors({ baseUrl }), baseUrl).toMatchObject([{ field: ['input', 'baseUrl'], code: 'INVALID' }]);
      expect(await errorsOf(CREDENTIAL_UPDATE, { id: credential.id, baseUrl }), baseUrl).toMatchObject([{ field: ['input', 'baseUrl'], code: 'INVALID' }]);
    }
    for (const baseUrl of ['https://api.openai.com/v1', 'http://127.0.0.1:8080', 'HTTPS://Gateway.Example.com:8443/openai/v1/']) {
      expect(await createErrors({ baseUrl }), baseUrl).toEqual([]);
    }
  });

  it('refuses a weight outside 0–1000', async () => {
    const credential = await create();
    for (const weight of [-1, 1001, 2_000_000]) {
      expect(await createErrors({ weight }), String(weight)).toMatchObject([{ field: ['input', 'weight'], code: 'INVALID' }]);
      expect(await errorsOf(CREDENTIAL_UPDATE, { id: credential.id, weight }), String(weight)).toMatchObject([{ field: ['input', 'weight'], code: 'INVALID' }]);
    }
    for (const weight of [0, 1000]) expect(await createErrors({ weight })).toEqual([]);
  });

  it('reports every problem of an input at once, and creates nothing', async () => {
    const count = async () => (await cp.db.fork().getConnection().execute<{ n: number }[]>('select count(*)::int as n from upstream_credential'))[0]!.n;
    const before = await count();
    const errors = await createErrors({ name: '', secret: '', baseUrl: 'ftp://x', weight: -5 });
    expect(errors.map((e) => e.field?.join('.'))).toEqual(['input.name', 'input.secret', 'input.baseUrl', 'input.weight']);
    expect(await count()).toBe(before);
  });

  it('an unknown, malformed or foreign id is NOT_FOUND', async () => {
    const model = (await admin.data(`{ models(first: 1) { nodes { id } } }`)).models.nodes[0].id as string;
    for (const id of [toGlobalId('UpstreamCredential', newId()), 'nope', model]) {
      expect(await errorsOf(CREDENTIAL_UPDATE, { id, weight: 2 }), id).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such upstream credential.' }]);
      expect(await errorsOf(CREDENTIAL_DELETE, { id }), id).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such upstream credential.' }]);
    }
  });
});
