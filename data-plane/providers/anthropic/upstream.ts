export const ANTHROPIC_PROVIDER = 'anthropic';

/** Where Anthropic's API lives: an origin, as the Anthropic SDKs' `baseURL` is; request paths carry `/v1`. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** Anthropic's scheme for our key. */
export function anthropicAuthHeader(apiKey: string): readonly [string, string] {
  return ['x-api-key', apiKey];
}
