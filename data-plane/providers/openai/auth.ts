export const OPENAI_PROVIDER = 'openai';

/** Where OpenAI's API lives, with its `/v1`: request paths are below it (`/chat/completions`). */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** OpenAI's scheme for our key (the simulated provider's too). */
export function openaiAuthHeader(apiKey: string): readonly [string, string] {
  return ['authorization', `Bearer ${apiKey}`];
}
