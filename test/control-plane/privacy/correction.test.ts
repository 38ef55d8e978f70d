import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, ME, newUser, SIGN_UP, signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';
import { codeIn, dbId, outboxFor } from './fixture.js';

const USERNAME_CHANGE = `mutation($input: AccountUsernameChangeInput!) {
  accountUsernameChange(input: $input) { account { id username } userErrors { field code message } } }`;
const EMAIL_CHANGE = `mutation($input: AccountEmailChangeInput!) {
  accountEmailChange(input: $input) { account { email } pendingEmailChange { newEmail requestedAt expiresAt } userErrors { field code message } } }`;
const EMAIL_VERIFY = `mutation($input: AccountEmailVerifyInput!) {
  accountEmailVerify(input: $input) { account { email } userErrors { field code message } } }`;
const PENDING = `query { me { email pendingEmailChange { newEmail expiresAt } } }`;

const CORRECTION = '§6 "Correction: Update or correct inaccurate information"';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

async function logInAs(login: string, password: string): Promise<{ code: string }[]> {
  const { logIn } = await cp.client().data(LOG_IN, { input: { login, password } });
  return logIn.userErrors;
}

async function securityEvents(accountGlobalId: string): Promise<string[]> {
  const rows = await cp.db.fork().execute<{ type: string }[]>('select type from security_event where account_id = ? order by id', [dbId(accountGlobalId)]);
  return rows.map((r) => r.type);
}

describe('accountUsernameChange', () => {
  it(`${CORRECTION} — the username changes at once; the new one logs in, the old one no longer does`, async () => {
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    const next = `renamed_${user.username.slice(5, 20)}`;
    const { accountUsernameChange } = await client.data(USERNAME_CHANGE, { input: { username: `  ${next}  ` } });
    expect(accountUsernameChange).toEqual({ account: { id: user.id, username: next }, userErrors: [] });
    expect((await client.data(ME)).me.username).toBe(next);
    expect(await logInAs(next, user.password)).toEqual([]);
    expect((await logInAs(user.username, user.password))[0]?.code).toBe('INVALID_CREDENTIALS');
    expect(await securityEvents(user.id)).toContain('USERNAME_CHANGE');
  });

  it(`${CORRECTION} — a username taken by another account (in any case) or breaking the rules comes back as a userError and changes nothing`, async () => {
    const other = await signUpAndLogIn(cp.client());
    const client = cp.client();
    const user = await signUpAndLogIn(client);
    const taken = await client.data(USERNAME_CHANGE, { input: { username: other.username.toUpperCase() } });
    expect(taken.accountUsernameChange).toEqual({ account: null, userErrors: [expect.objectContaining({ field: ['input', 'username'], code: 'TAKEN' })] });
    const invalid = await client.data(USERNAME_CHANGE, { input: { username: 'x!' } });
    expect(invalid.accountUsernameChange.userErrors).toEqual([expect.objectContaining({ field: ['input', 'username'], code: 'INVALID' })]);
    expect((await client.data(ME)).me.username).toBe(user.username);
    // A correction of letter case of one's own name is no conflict.
    const own = await client.data(USERNAME_CHANGE, { input: { username: user.username.toUpperCase() } });
    expect(own.accountUsernameChange).toEqual({ account: { id: user.id, username: user.username.toUpperCase() }, userErrors: [] });
  });

  it('requires a session', async () => {
    const result = await cp.client().request(USERNAME_CHANGE, { input: { username: 'nobody_at_all' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('accountEmailChange and accountEmailVerify', () => {
  let client: GraphQLClient;
  let user: Awaited<ReturnType<typeof signUpAndLogIn>>;
  let newEmail: string;
  let code: string;

  beforeAll(async () => {
    client = cp.client();
    user = await signUpAndLogIn(client);
    newEmail = `New.${user.email}`;
  });

  it(`${CORRECTION} — a new email is not used before it is verified: a single-use code goes to the new address only, and the old address is told`, async () => {
    const { accountEmailChange } = await client.data(EMAIL_CHANGE, { input: { newEmail, currentPassword: user.password } });
    expect(accountEmailChange.userErrors).toEqual([]);
    expect(accountEmailChange.account.email).toBe(user.email);
    expect(accountEmailChange.pendingEmailChange.newEmail).toBe(newEmail);
    const ttl = Date.parse(accountEmailChange.pendingEmailChange.expiresAt) - Date.parse(accountEmailChange.pendingEmailChange.requestedAt);
    expect(ttl).toBe(24 * 3_600_000);
    expect(await client.data(PENDING)).toEqual({ me: { email: user.email, pendingEmailChange: { newEmail, expiresAt: accountEmailChange.pendingEmailChange.expiresAt } } });

    const toNew = await outboxFor(cp, newEmail);
    expect(toNew).toHaveLength(1);
    code = codeIn(toNew[0]!.body)!;
    expect(code).toMatch(/^tbev_/);
    const toOld = await outboxFor(cp, user.email);
    expect(toOld.map((m) => m.subject)).toContain('Your TokenByte email address is about to change');
    expect(toOld.some((m) => m.body.includes(newEmail) && codeIn(m.body) === null)).toBe(true);

    // Stored as a hash only, and never in the in-service feed the session can read.
    const em = cp.db.fork();
    const [stored] = await em.execute<{ token_hash: string }[]>('select token_hash from email_change where account_id = ?', [dbId(user.id)]);
    expect(stored!.token_hash).toBe(createHash('sha256').update(code).digest('hex'));
    const feed = await em.execute<{ body: string }[]>('select body from notification where account_id = ?', [dbId(user.id)]);
    expect(feed.some((n) => n.body.includes(code))).toBe(false);
    expect(feed.some((n) => n.body.includes(newEmail))).toBe(true);
    // The old address still logs in; the new one does not yet.
    expect(await logInAs(user.email, user.password)).toEqual([]);
    expect((await logInAs(newEmail, user.password))[0]?.code).toBe('INVALID_CREDENTIALS');
  });

  it(`${CORRECTION} — the code replaces the old address with the new one, once`, async () => {
    const { accountEmailVerify } = await client.data(EMAIL_VERIFY, { input: { token: code } });
    expect(accountEmailVerify).toEqual({ account: { email: newEmail }, userErrors: [] });
    expect(await client.data(PENDING)).toEqual({ me: { email: newEmail, pendingEmailChange: null } });
    expect(await logInAs(newEmail, user.password)).toEqual([]);
    expect((await logInAs(user.email, user.password))[0]?.code).toBe('INVALID_CREDENTIALS');
    const again = await client.data(EMAIL_VERIFY, { input: { token: code } });
    expect(again.accountEmailVerify.userErrors).toEqual([expect.objectContaining({ field: ['input', 'token'], code: 'INVALID' })]);
    expect((await outboxFor(cp, user.email)).map((m) => m.subject)).toContain('Your TokenByte email address was changed');
    expect(await securityEvents(user.id)).toEqual(expect.arrayContaining(['EMAIL_CHANGE_REQUEST', 'EMAIL_CHANGE']));
  });

  it(`${CORRECTION} — a wrong password, an invalid address, one's own address and an address taken by another account come back as userErrors, and nothing is sent`, async () => {
    const someone = await signUpAndLogIn(cp.client());
    const c = cp.client();
    const u = await signUpAndLogIn(c);
    const attempt = (input: Record<string, string>) => c.data(EMAIL_CHANGE, { input }).then((d) => d.accountEmailChange.userErrors);
    expect(await attempt({ newEmail: `fresh.${u.email}`, currentPassword: 'not the password' })).toEqual([
      expect.objectContaining({ field: ['input', 'currentPassword'], code: 'INVALID_CREDENTIALS' }),
    ]);
    expect(await attempt({ newEmail: 'no-at-sign', currentPassword: u.password })).toEqual([expect.objectContaining({ field: ['input', 'newEmail'], code: 'INVALID' })]);
    expect(await attempt({ newEmail: u.email, currentPassword: u.password })).toEqual([expect.objectContaining({ code: 'UNCHANGED' })]);
    expect(await attempt({ newEmail: someone.email.toUpperCase(), currentPassword: u.password })).toEqual([
      expect.objectContaining({ field: ['input', 'newEmail'], code: 'TAKEN' }),
    ]);
    expect(await outboxFor(cp, `fresh.${u.email}`)).toEqual([]);
    expect((await outboxFor(cp, u.email)).map((m) => m.subject)).not.toContain('Your TokenByte email address is about to change');
  });

  it(`${CORRECTION} — an address taken by someone else between request and verification is refused at verification (TAKEN)`, async () => {
    const c = cp.client();
    const u = await signUpAndLogIn(c);
    const wanted = `contested.${u.email}`;
    await c.data(EMAIL_CHANGE, { input: { newEmail: wanted, currentPassword: u.password } });
    const pendingCode = codeIn((await outboxFor(cp, wanted))[0]!.body)!;
    const { signUp } = await cp.client().data(SIGN_UP, { input: newUser({ email: wanted }) });
    expect(signUp.userErrors).toEqual([]);
    const { accountEmailVerify } = await c.data(EMAIL_VERIFY, { input: { token: pendingCode } });
    expect(accountEmailVerify).toEqual({ account: null, userErrors: [expect.objectContaining({ code: 'TAKEN' })] });
    expect((await c.data(ME)).me.email).toBe(u.email);
  });

  it(`${CORRECTION} — a code expires after 24 hours, a newer request voids the older code, and a code works only for the account that asked`, async () => {
    const c = cp.client();
    const u = await signUpAndLogIn(c);
    const first = `first.${u.email}`;
    const second = `second.${u.email}`;
    await c.data(EMAIL_CHANGE, { input: { newEmail: first, currentPassword: u.password } });
    const firstCode = codeIn((await outboxFor(cp, first))[0]!.body)!;
    await c.data(EMAIL_CHANGE, { input: { newEmail: second, currentPassword: u.password } });
    const secondCode = codeIn((await outboxFor(cp, second))[0]!.body)!;
    const verify = (client: GraphQLClient, token: string) => client.data(EMAIL_VERIFY, { input: { token } }).then((d) => d.accountEmailVerify.userErrors);
    expect(await verify(c, firstCode)).toEqual([expect.objectContaining({ code: 'INVALID' })]);

    const stranger = cp.client();
    await signUpAndLogIn(stranger);
    expect(await verify(stranger, secondCode)).toEqual([expect.objectContaining({ code: 'INVALID' })]);

    await cp.db.fork().execute(`update email_change set expires_at = now() - interval '1 second' where account_id = ?`, [dbId(u.id)]);
    expect(await verify(c, secondCode)).toEqual([expect.objectContaining({ code: 'EXPIRED' })]);
    expect((await c.data(ME)).me.email).toBe(u.email);
  });
});
