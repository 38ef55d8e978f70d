import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import { createUpstreamPools } from '../../proxy/upstream.js';
import { geminiModelsHandler } from './handler.js';
import { createGeminiUpstream, type GeminiUpstreamConfig } from './upstream.js';

export interface GeminiRoutes {
  /** For `POST /v1beta/models/**` and `POST /v1/models/**`: parses `{model}:{method}` itself. */
  models: (event: H3Event) => unknown;
  /** Releases upstream connections. */
  close(): Promise<void>;
}

/** The Gemini-native routes over one upstream: `upstream` if given, otherwise the configured one, otherwise none (503). */
export function createGeminiRoutes(deps: ProxyDeps & { upstream?: GeminiUpstreamConfig | undefined }): GeminiRoutes {
  const pools = createUpstreamPools(deps.config.timeouts);
  const upstream = createGeminiUpstream(deps.upstream ?? deps.config.gemini, pools);
  return { models: geminiModelsHandler(deps, upstream), close: () => pools.close() };
}
