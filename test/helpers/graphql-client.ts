/** What one GraphQL HTTP exchange returned. */
export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] | undefined;
}

/**
 * A GraphQL client with a one-cookie jar, like a browser talking to one origin:
 * it keeps the session cookie the server sets and sends it back.
 */
export class GraphQLClient {
  cookie: string | null = null;

  constructor(
    readonly endpoint: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  async request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...this.extraHeaders,
      },
      body: JSON.stringify({ query, variables }),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const expired = attributes.some((a) => /^\s*max-age=0/i.test(a) || /expires=thu, 01 jan 1970/i.test(a));
      this.cookie = expired ? null : (pair ?? '').trim();
    }
    const body = (await response.json()) as { data?: T | null; errors?: GraphQLResult['errors'] };
    return { status: response.status, headers: response.headers, data: body.data ?? null, errors: body.errors };
  }

  /** Like {@link request} but fails on any top-level error; returns `data`. */
  async data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const result = await this.request<T>(query, variables);
    if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  }
}

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) { account { id username email role } userErrors { field message code } }
  }`;

export const LOG_IN = /* GraphQL */ `
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) { account { id username } userErrors { field message code } }
  }`;

export const ME = /* GraphQL */ `query { me { id username email role } }`;

let counter = 0;

/** A unique, valid sign-up input. */
export function newUser(overrides: Partial<{ username: string; email: string; password: string }> = {}) {
  counter += 1;
  const tag = `${process.pid.toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { username: `user_${tag}`, email: `user_${tag}@example.com`, password: `long enough passphrase ${tag}`, ...overrides };
}

/** Signs up a new account and logs this client in as it. */
export async function signUpAndLogIn(client: GraphQLClient, overrides: Parameters<typeof newUser>[0] = {}) {
  const user = newUser(overrides);
  const signUp = await client.data(SIGN_UP, { input: user });
  if (signUp.signUp.userErrors.length > 0) throw new Error(JSON.stringify(signUp.signUp.userErrors));
  const logIn = await client.data(LOG_IN, { input: { login: user.username, password: user.password } });
  if (logIn.logIn.userErrors.length > 0) throw new Error(JSON.stringify(logIn.logIn.userErrors));
  return { ...user, id: signUp.signUp.account.id as string };
}
