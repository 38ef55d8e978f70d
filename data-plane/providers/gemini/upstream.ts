export const GEMINI_PROVIDER = 'gemini';

/** Where the Gemini API lives: an origin; the API version is part of every request path. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** Our key in `x-goog-api-key`: never in the URL, where proxies and access logs would keep it. */
export function geminiAuthHeader(apiKey: string): readonly [string, string] {
  return ['x-goog-api-key', apiKey];
}
