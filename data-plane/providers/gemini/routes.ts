import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { UpstreamPools } from '../../proxy/upstream.js';
import { geminiModelsHandler } from './handler.js';
import { createGeminiUpstream, type GeminiUpstreamConfig } from './upstream.js';

export interface GeminiRoutes {
  /** For `POST /v1beta/models/**` and `POST /v1/models/**`: parses `{model}:{method}` itself. */
  models: (event: H3Event) => unknown;
}

/** The Gemini-native routes over one upstream: `upstream` if given, otherwise the configured one, otherwise none (503). */
export function createGeminiRoutes(deps: ProxyDeps & { upstream?: GeminiUpstreamConfig | undefined }, pools: UpstreamPools): GeminiRoutes {
  const upstream = createGeminiUpstream(deps.upstream ?? deps.config.gemini, pools);
  return { models: geminiModelsHandler(deps, upstream) };
}
