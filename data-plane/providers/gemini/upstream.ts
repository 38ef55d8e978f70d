import { splitBaseUrl, type Upstream, type UpstreamPools } from '../../proxy/upstream.js';

export const GEMINI_PROVIDER = 'gemini';

/** A Gemini upstream as configured: the origin (the API version is part of every request path) and our key. */
export interface GeminiUpstreamConfig {
  baseUrl: string;
  apiKey?: string | undefined;
}

/**
 * The upstream behind the Gemini routes, or null when none is configured. There is no
 * simulated Gemini: an unconfigured gateway answers 503 rather than pretend.
 */
export function createGeminiUpstream(configured: GeminiUpstreamConfig | null, pools: UpstreamPools): Upstream | null {
  if (configured === null) return null;
  const { origin, basePath } = splitBaseUrl(configured.baseUrl);
  return { provider: GEMINI_PROVIDER, basePath, apiKey: configured.apiKey, dispatcher: pools.poolFor(origin), clientHeaders: {} };
}
