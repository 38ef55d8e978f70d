import { H3 } from 'h3';
import type { Logger } from '../shared/logger.js';
import type { KeyAuthenticator } from './auth/types.js';
import type { Catalogue } from './catalogue/catalogue.js';
import type { DataPlaneConfig } from './config.js';
import { createUpstreamPools } from './proxy/upstream.js';
import { createAnthropicRoutes } from './providers/anthropic/routes.js';
import { createGeminiRoutes } from './providers/gemini/routes.js';
import type { BoundIdKeys } from './providers/openai/response-ids.js';
import { createOpenAIRoutes } from './providers/openai/routes.js';
import { createProviderUpstreams, type ConfiguredUpstream, type StoredCredentials } from './providers/upstreams.js';
import type { UsageSink } from './usage/types.js';

/** Reports whether everything a request needs is reachable (grows with the proxy). */
export type ReadinessCheck = () => Promise<boolean>;

export interface DataPlaneDeps {
  config: DataPlaneConfig;
  logger: Logger;
  keys: KeyAuthenticator;
  usage: UsageSink;
  /** The model catalogue: routing by public model name, and the price of every usage event. */
  catalogue: Catalogue;
  ready?: ReadinessCheck;
  /**
   * Sign the response and item ids clients see on `/v1/responses` (see providers/openai/response-ids.ts):
   * `deriveBoundIdKeys(pepper)`, the same on every data-plane instance.
   */
  idKeys: BoundIdKeys;
  /**
   * Overrides the environment's credential of `config.openai`, `config.anthropic` and
   * `config.gemini`. A provider with no credential answers 503; `simulated` models are always simulated.
   */
  upstream?: { openai?: ConfiguredUpstream; anthropic?: ConfiguredUpstream; gemini?: ConfiguredUpstream };
  /** The admin-managed credentials; where a provider has any, they replace the environment's. */
  credentials?: StoredCredentials;
  /** Aborting it releases upstream connections and stops the simulated provider (as `server.listen({ signal })` does). */
  signal?: AbortSignal;
}

/** Routes and middleware order of the data-plane, nothing else. */
export function createDataPlaneApp(deps: DataPlaneDeps): H3 {
  const ready = deps.ready ?? (() => Promise.resolve(true));
  // One connection pool per upstream origin for the whole data-plane, whichever route calls it.
  const pools = createUpstreamPools(deps.config.timeouts);
  const { config } = deps;
  const providers = createProviderUpstreams({
    configured: {
      openai: deps.upstream?.openai ?? config.openai,
      anthropic: deps.upstream?.anthropic ?? config.anthropic,
      gemini: deps.upstream?.gemini ?? config.gemini,
    },
    stored: deps.credentials,
    retry: config.retry,
    pools,
  });
  const openai = createOpenAIRoutes(deps, providers, pools);
  const anthropic = createAnthropicRoutes(deps, providers.anthropic);
  const gemini = createGeminiRoutes(deps, providers.gemini);
  deps.signal?.addEventListener(
    'abort',
    () =>
      Promise.all([openai.close(), pools.close()]).catch((error: unknown) => deps.logger.error({ err: error }, 'closing upstreams failed')),
    { once: true },
  );

  const app = new H3();
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async () =>
    (await ready())
      ? { status: 'ready' }
      : new Response(JSON.stringify({ status: 'not ready' }), { status: 503, headers: { 'content-type': 'application/json' } }),
  );
  app.post('/v1/chat/completions', openai.chatCompletions);
  app.post('/v1/embeddings', openai.embeddings);
  app.post('/v1/responses', openai.responses);
  app.get('/v1/responses/:id', openai.retrieveResponse);
  app.delete('/v1/responses/:id', openai.deleteResponse);
  app.post('/v1/responses/:id/cancel', openai.cancelResponse);
  app.get('/v1/responses/:id/input_items', openai.responseInputItems);
  app.get('/v1/models', openai.models);
  app.post('/v1/messages', anthropic.messages);
  app.post('/v1/messages/count_tokens', anthropic.countTokens);
  // Gemini's `models/{model}:{method}`: h3 cannot route on a `:` inside a segment, so the
  // handler parses it. POST only, so OpenAI's `GET /v1/models[/{id}]` is untouched.
  app.post('/v1beta/models/**', gemini.models);
  app.post('/v1/models/**', gemini.models);
  // Anything else answers in OpenAI's error shape, as the SDKs expect.
  app.all('/**', (event) =>
    new Response(
      JSON.stringify({
        error: { message: `Unknown route: ${event.req.method} ${event.url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      }),
      { status: 404, headers: { 'content-type': 'application/json' } },
    ),
  );
  return app;
}
