import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { Upstream } from '../../proxy/upstream.js';
import { forwardCountTokens } from './count-tokens.js';
import { forwardMessages } from './messages.js';
import { anthropicRoute } from './route.js';

export interface AnthropicRoutes {
  /** `POST /v1/messages`, streamed or not. */
  messages: (event: H3Event) => unknown;
  /** `POST /v1/messages/count_tokens`. */
  countTokens: (event: H3Event) => unknown;
}

/**
 * Anthropic's native Messages API. Without an Anthropic credential the routes answer 503
 * in Anthropic's shape (there is no simulated Anthropic provider).
 */
export function createAnthropicRoutes(deps: ProxyDeps, upstream: Upstream): AnthropicRoutes {
  return {
    messages: anthropicRoute(deps, upstream, true, forwardMessages),
    countTokens: anthropicRoute(deps, upstream, false, forwardCountTokens),
  };
}
