import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { UpstreamPools } from '../../proxy/upstream.js';
import type { ProviderUpstreams } from '../upstreams.js';
import { chatCompletionsHandler } from './chat-completions.js';
import { embeddingsHandler } from './embeddings.js';
import { modelsHandler } from './models.js';
import { responsesHandler } from './responses.js';
import { createOpenAIUpstreams } from './upstream.js';

export interface OpenAIRoutes {
  chatCompletions: (event: H3Event) => unknown;
  /** OpenAI embedding models only, passed through. */
  embeddings: (event: H3Event) => unknown;
  /** OpenAI models with the `responses` capability only, passed through. */
  responses: (event: H3Event) => unknown;
  models: (event: H3Event) => unknown;
  /** Stops the simulated provider, if it was started. */
  close(): Promise<void>;
}

/**
 * The OpenAI-compatible routes. The catalogue decides per model where a call goes:
 * `openai` models to OpenAI, `anthropic` and `gemini` models, translated, to those
 * providers, `simulated` models to the built-in simulated provider. Embeddings and
 * Responses pass OpenAI's own API through, for OpenAI models only.
 */
export function createOpenAIRoutes(deps: ProxyDeps, providers: ProviderUpstreams, pools: UpstreamPools): OpenAIRoutes {
  const upstreams = createOpenAIUpstreams(providers, pools, deps.config.retry);
  return {
    chatCompletions: chatCompletionsHandler(deps, upstreams),
    embeddings: embeddingsHandler(deps, upstreams),
    responses: responsesHandler(deps, upstreams),
    models: modelsHandler(deps),
    close: () => upstreams.close(),
  };
}
