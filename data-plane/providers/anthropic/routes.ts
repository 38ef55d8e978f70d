import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { UpstreamPools } from '../../proxy/upstream.js';
import { forwardCountTokens } from './count-tokens.js';
import { forwardMessages } from './messages.js';
import { anthropicRoute } from './route.js';
import { createAnthropicUpstream, type AnthropicUpstreamConfig } from './upstream.js';

export interface AnthropicRoutes {
  /** `POST /v1/messages`, streamed or not. */
  messages: (event: H3Event) => unknown;
  /** `POST /v1/messages/count_tokens`. */
  countTokens: (event: H3Event) => unknown;
}

/**
 * Anthropic's native Messages API over one upstream: `upstream` if given, otherwise the
 * configured one; with neither, the routes answer 503 in Anthropic's shape (there is no
 * simulated Anthropic provider).
 */
export function createAnthropicRoutes(deps: ProxyDeps & { upstream?: AnthropicUpstreamConfig | undefined }, pools: UpstreamPools): AnthropicRoutes {
  const upstream = createAnthropicUpstream(deps.upstream ?? deps.config.anthropic, pools);
  return {
    messages: anthropicRoute(deps, upstream, true, forwardMessages),
    countTokens: anthropicRoute(deps, upstream, false, forwardCountTokens),
  };
}
