import type { H3Event } from 'h3';
import type { UpstreamPools } from '../../proxy/upstream.js';
import type { ProviderUpstreams } from '../upstreams.js';
import { chatCompletionsHandler } from './chat-completions.js';
import { embeddingsHandler } from './embeddings.js';
import { modelsHandler } from './models.js';
import { responsesHandler, type ResponsesDeps } from './responses.js';
import { STORED_RESPONSE_ACTIONS, storedResponseHandler } from './responses-stored.js';
import { createOpenAIUpstreams } from './upstream.js';

export interface OpenAIRoutes {
  chatCompletions: (event: H3Event) => unknown;
  /** OpenAI embedding models only, passed through. */
  embeddings: (event: H3Event) => unknown;
  /** OpenAI models with the `responses` capability only, passed through. */
  responses: (event: H3Event) => unknown;
  /** A stored response (route param `id`): `GET`, `DELETE`, `POST …/cancel`, `GET …/input_items`. */
  retrieveResponse: (event: H3Event) => unknown;
  deleteResponse: (event: H3Event) => unknown;
  cancelResponse: (event: H3Event) => unknown;
  responseInputItems: (event: H3Event) => unknown;
  models: (event: H3Event) => unknown;
  /** Stops the simulated provider, if it was started. */
  close(): Promise<void>;
}

/**
 * The OpenAI-compatible routes. The catalogue decides per model where a call goes:
 * `openai` models to OpenAI, `anthropic` and `gemini` models, translated, to those
 * providers, `simulated` models to the built-in simulated provider. Embeddings and
 * Responses pass OpenAI's own API through, for OpenAI models only; stored responses are
 * reached only through ids bound to the caller's account (response-ids.ts).
 */
export function createOpenAIRoutes(deps: ResponsesDeps, providers: ProviderUpstreams, pools: UpstreamPools): OpenAIRoutes {
  const upstreams = createOpenAIUpstreams(providers, pools, deps.config.retry);
  return {
    chatCompletions: chatCompletionsHandler(deps, upstreams),
    embeddings: embeddingsHandler(deps, upstreams),
    responses: responsesHandler(deps, upstreams),
    retrieveResponse: storedResponseHandler(deps, upstreams, STORED_RESPONSE_ACTIONS.retrieve),
    deleteResponse: storedResponseHandler(deps, upstreams, STORED_RESPONSE_ACTIONS.delete),
    cancelResponse: storedResponseHandler(deps, upstreams, STORED_RESPONSE_ACTIONS.cancel),
    responseInputItems: storedResponseHandler(deps, upstreams, STORED_RESPONSE_ACTIONS.inputItems),
    models: modelsHandler(deps),
    close: () => upstreams.close(),
  };
}
