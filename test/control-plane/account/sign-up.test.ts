import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { newUser, SIGN_UP } from '../../helpers/graphql-client.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

async function signUp(input: Record<string, unknown>) {
  const { signUp } = await cp.client().data(SIGN_UP, { input });
  return signUp as { account: { id: string; username: string; email: string; role: string } | null; userErrors: { field: string[]; code: string; message: string }[] };
}

describe('signUp', () => {
  it('creates a USER account and returns it with an opaque global id', async () => {
    const user = newUser();
    const result = await signUp(user);
    expect(result.userErrors).toEqual([]);
    expect(result.account).toMatchObject({ username: user.username, email: user.email, role: 'USER' });
    expect(result.account!.id).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('stores only an argon2id hash (m=19456, t=2, p=1), never the password', async () => {
    const user = newUser();
    await signUp(user);
    const account = await cp.db.fork().findOneOrFail(Account, { usernameCanonical: user.username.toLowerCase() });
    expect(account.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(account.passwordHash).not.toContain(user.password);
    const rows = await cp.db.fork().getConnection().execute(`select * from account where username_canonical = ?`, [user.username.toLowerCase()]);
    expect(JSON.stringify(rows)).not.toContain(user.password);
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const first = newUser();
    await signUp(first);
    const result = await signUp(newUser({ email: first.email.toUpperCase() }));
    expect(result.account).toBeNull();
    expect(result.userErrors).toEqual([{ field: ['input', 'email'], code: 'TAKEN', message: expect.any(String) }]);
  });

  it('refuses a duplicate username, whatever its case', async () => {
    const first = newUser();
    await signUp(first);
    const result = await signUp(newUser({ username: first.username.toUpperCase() }));
    expect(result.userErrors).toEqual([{ field: ['input', 'username'], code: 'TAKEN', message: expect.any(String) }]);
  });

  it('refuses an invalid email and an invalid username, reporting both at once', async () => {
    const result = await signUp(newUser({ email: 'not-an-email', username: 'a b' }));
    expect(result.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.username', 'INVALID'],
      ['input.email', 'INVALID'],
    ]);
  });

  it.each([
    ['a password shorter than 8 characters', 'short1!', 'PASSWORD_TOO_SHORT'],
    ['a password longer than 128 characters', 'x'.repeat(129), 'PASSWORD_TOO_LONG'],
    ['one of the most common passwords', 'password1', 'PASSWORD_TOO_COMMON'],
    ['a common password in another case', 'QWERTYUIOP', 'PASSWORD_TOO_COMMON'],
  ])('refuses %s', async (_, password, code) => {
    const result = await signUp(newUser({ password }));
    expect(result.account).toBeNull();
    expect(result.userErrors).toEqual([{ field: ['input', 'password'], code, message: expect.any(String) }]);
  });

  it('accepts any 8–128 character password without composition rules', async () => {
    expect((await signUp(newUser({ password: 'aaaaaaaaaaaaaaaaaaab' }))).userErrors).toEqual([]);
    expect((await signUp(newUser({ password: 'é'.repeat(128) }))).userErrors).toEqual([]);
  });

  it('does not create an account when the input is refused', async () => {
    const user = newUser({ password: 'short' });
    await signUp(user);
    expect(await cp.db.fork().count(Account, { usernameCanonical: user.username.toLowerCase() })).toBe(0);
  });
});
