// Shared by the Anthropic route tests: the official SDK pointed at a test data-plane, which
// forwards to the fake Anthropic upstream.
import Anthropic from '@anthropic-ai/sdk';

export const MODEL = 'claude-haiku-4-5';
export const SYSTEM = 'You are terse.';
export const MESSAGES: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello to the gateway' }];
/** What the fake reports for SYSTEM + MESSAGES: 3 system words + (3 per message + 5 words). */
export const INPUT_TOKENS = 3 + 3 + 5;
/** The gateway's own estimate: a quarter of the prompt's characters, rounded up. */
export const ESTIMATED_INPUT = Math.ceil((SYSTEM.length + 'Say hello to the gateway'.length) / 4);

/** Headers each request of a client sent, in order, to prove which key header the SDK used. */
export type SentHeaders = Headers[];

/**
 * An SDK client for the data-plane. `bearer` is the SDK's own behaviour (this SDK sends
 * `apiKey` as `Authorization: Bearer`); `x-api-key` sends the key the classic way instead,
 * as older SDKs and curl examples do.
 */
export function anthropicClient(baseURL: string, key: string, scheme: 'bearer' | 'auth-token' | 'x-api-key' = 'bearer', sent?: SentHeaders): Anthropic {
  const fetchAndRecord: typeof fetch = (input, init) => {
    sent?.push(new Headers(init?.headers));
    return fetch(input, init);
  };
  const common = { baseURL, maxRetries: 0, fetch: fetchAndRecord };
  if (scheme === 'auth-token') return new Anthropic({ ...common, authToken: key });
  if (scheme === 'x-api-key') return new Anthropic({ ...common, apiKey: key, defaultHeaders: { 'X-Api-Key': key, Authorization: null } });
  return new Anthropic({ ...common, apiKey: key });
}

/** The value a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/** Polls until `probe` returns a value (the server finishes a call just after the client has the answer). */
export async function eventually<T>(probe: () => T | undefined, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
