import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { UpstreamPools } from '../../proxy/upstream.js';
import type { AnthropicUpstreamConfig } from '../anthropic/upstream.js';
import type { GeminiUpstreamConfig } from '../gemini/upstream.js';
import { chatCompletionsHandler } from './chat-completions.js';
import { modelsHandler } from './models.js';
import { createOpenAIUpstreams, type OpenAIUpstreamConfig } from './upstream.js';

export interface OpenAIRoutes {
  chatCompletions: (event: H3Event) => unknown;
  models: (event: H3Event) => unknown;
  /** Stops the simulated provider, if it was started. */
  close(): Promise<void>;
}

/**
 * The OpenAI-compatible routes. The catalogue decides per model where a call goes:
 * `openai` models to `upstream` if given, otherwise the configured one; `simulated`
 * models to the built-in simulated provider; `anthropic` and `gemini` models, translated,
 * to those providers' upstreams.
 */
export function createOpenAIRoutes(
  deps: ProxyDeps & {
    upstream?: OpenAIUpstreamConfig | undefined;
    /** The upstreams `anthropic` and `gemini` models are translated to; default: the configured ones. */
    anthropic?: AnthropicUpstreamConfig | undefined;
    gemini?: GeminiUpstreamConfig | undefined;
  },
  pools: UpstreamPools,
): OpenAIRoutes {
  const upstreams = createOpenAIUpstreams(deps.upstream ?? deps.config.openai, pools, {
    anthropic: deps.anthropic ?? deps.config.anthropic,
    gemini: deps.gemini ?? deps.config.gemini,
  });
  return {
    chatCompletions: chatCompletionsHandler(deps, upstreams),
    models: modelsHandler(deps),
    close: () => upstreams.close(),
  };
}
