import type { H3Event } from 'h3';
import type { ProxyDeps } from '../../proxy/call.js';
import type { Upstream } from '../../proxy/upstream.js';
import { geminiModelsHandler } from './handler.js';

export interface GeminiRoutes {
  /** For `POST /v1beta/models/**` and `POST /v1/models/**`: parses `{model}:{method}` itself. */
  models: (event: H3Event) => unknown;
}

/** The Gemini-native routes; without a Gemini credential they answer 503. */
export function createGeminiRoutes(deps: ProxyDeps, upstream: Upstream): GeminiRoutes {
  return { models: geminiModelsHandler(deps, upstream) };
}
