import { H3 } from 'h3';
import type { Logger } from '../shared/logger.js';
import type { KeyAuthenticator } from './auth/types.js';
import type { Catalogue } from './catalogue/catalogue.js';
import type { DataPlaneConfig } from './config.js';
import { createUpstreamPools } from './proxy/upstream.js';
import { createAnthropicRoutes } from './providers/anthropic/routes.js';
import type { AnthropicUpstreamConfig } from './providers/anthropic/upstream.js';
import { createGeminiRoutes } from './providers/gemini/routes.js';
import type { GeminiUpstreamConfig } from './providers/gemini/upstream.js';
import { createOpenAIRoutes } from './providers/openai/routes.js';
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
   * Overrides `config.openai` (with neither, `openai` models answer 503; `simulated` ones are always simulated) and
   * `config.anthropic` (with neither, the Anthropic routes answer 503), and likewise `config.gemini`.
   */
  upstream?: { openai?: { baseUrl: string; apiKey?: string }; anthropic?: AnthropicUpstreamConfig; gemini?: GeminiUpstreamConfig };
  /** Aborting it releases upstream connections and stops the simulated provider (as `server.listen({ signal })` does). */
  signal?: AbortSignal;
}

/** Routes and middleware order of the data-plane, nothing else. */
export function createDataPlaneApp(deps: DataPlaneDeps): H3 {
  const ready = deps.ready ?? (() => Promise.resolve(true));
  // One connection pool per upstream origin for the whole data-plane, whichever route calls it.
  const pools = createUpstreamPools(deps.config.timeouts);
  const openai = createOpenAIRoutes({ ...deps, upstream: deps.upstream?.openai, anthropic: deps.upstream?.anthropic, gemini: deps.upstream?.gemini }, pools);
  const anthropic = createAnthropicRoutes({ ...deps, upstream: deps.upstream?.anthropic }, pools);
  const gemini = createGeminiRoutes({ ...deps, upstream: deps.upstream?.gemini }, pools);
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
