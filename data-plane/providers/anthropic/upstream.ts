import { splitBaseUrl, type Upstream, type UpstreamPools } from '../../proxy/upstream.js';

export const ANTHROPIC_PROVIDER = 'anthropic';

/**
 * The Anthropic upstream as configured: the origin the API paths (`/v1/messages`) hang
 * off, as the Anthropic SDKs' `baseURL` is (`https://api.anthropic.com`), and our key.
 */
export interface AnthropicUpstreamConfig {
  baseUrl: string;
  apiKey?: string | undefined;
}

/** The upstream behind the Anthropic routes, or null when none is configured. */
export function createAnthropicUpstream(configured: AnthropicUpstreamConfig | null, pools: UpstreamPools): Upstream | null {
  if (configured === null) return null;
  const { origin, basePath } = splitBaseUrl(configured.baseUrl);
  return {
    provider: ANTHROPIC_PROVIDER,
    basePath,
    apiKey: configured.apiKey,
    dispatcher: pools.poolFor(origin),
    clientHeaders: {},
  };
}
