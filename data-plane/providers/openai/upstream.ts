import { splitBaseUrl, type Upstream, type UpstreamPools, type UpstreamSource } from '../../proxy/upstream.js';
import { ANTHROPIC_PROVIDER, createAnthropicUpstream, type AnthropicUpstreamConfig } from '../anthropic/upstream.js';
import { GEMINI_PROVIDER, createGeminiUpstream, type GeminiUpstreamConfig } from '../gemini/upstream.js';
import { SIMULATED_PROVIDER } from '../simulated/completion.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../simulated/server.js';

export const OPENAI_PROVIDER = 'openai';

/** An OpenAI-compatible upstream as configured: base URL (with its `/v1`) and our key. */
export interface OpenAIUpstreamConfig {
  baseUrl: string;
  apiKey?: string | undefined;
}

/** Which upstream serves a catalogue model on the OpenAI routes, or why none does. */
export type UpstreamChoice =
  | { ok: true; upstream: Upstream }
  /** `unsupported`: no upstream of this route serves the provider; `not_configured`: no upstream for it is configured. */
  | { ok: false; reason: 'unsupported' | 'not_configured' };

/** The upstreams behind the OpenAI routes, chosen per call by the model's provider. */
export interface OpenAIUpstreams {
  forProvider(provider: string): Promise<UpstreamChoice>;
  /** Stops the simulated provider, if it was started. */
  close(): Promise<void>;
}

/**
 * The upstreams of the OpenAI routes: `openai` models go to the configured upstream (none
 * configured: `not_configured`, never a silent stand-in), `simulated` models to the
 * built-in simulated provider, which is started on first use only. Which one answers is
 * the catalogue's decision, made per model, so a simulated model is always simulated
 * and a real one never is.
 */
export function createOpenAIUpstreams(
  configured: OpenAIUpstreamConfig | null,
  pools: UpstreamPools,
  translated: { anthropic: AnthropicUpstreamConfig | null; gemini: GeminiUpstreamConfig | null } = { anthropic: null, gemini: null },
): OpenAIUpstreams {
  let openai: Upstream | null = null;
  if (configured !== null) {
    const { origin, basePath } = splitBaseUrl(configured.baseUrl);
    openai = { provider: OPENAI_PROVIDER, basePath, apiKey: configured.apiKey, dispatcher: pools.poolFor(origin), clientHeaders: {} };
  }
  const simulated = simulatedSource(pools);
  // Anthropic and Gemini models are served by translating to their own APIs (see translated.ts).
  const anthropic = createAnthropicUpstream(translated.anthropic, pools);
  const gemini = createGeminiUpstream(translated.gemini, pools);
  return {
    async forProvider(provider) {
      if (provider === OPENAI_PROVIDER) return openai === null ? { ok: false, reason: 'not_configured' } : { ok: true, upstream: openai };
      if (provider === SIMULATED_PROVIDER) return { ok: true, upstream: await simulated.get() };
      if (provider === ANTHROPIC_PROVIDER) return anthropic === null ? { ok: false, reason: 'not_configured' } : { ok: true, upstream: anthropic };
      if (provider === GEMINI_PROVIDER) return gemini === null ? { ok: false, reason: 'not_configured' } : { ok: true, upstream: gemini };
      return { ok: false, reason: 'unsupported' };
    },
    close: () => simulated.close(),
  };
}

function simulatedSource(pools: UpstreamPools): UpstreamSource {
  let starting: Promise<{ simulator: SimulatedUpstream; upstream: Upstream }> | null = null;
  let closed = false;
  const start = async (): Promise<{ simulator: SimulatedUpstream; upstream: Upstream }> => {
    const simulator = await startSimulatedUpstream();
    const { origin, basePath } = splitBaseUrl(simulator.baseUrl);
    const upstream: Upstream = {
      provider: SIMULATED_PROVIDER,
      basePath,
      apiKey: simulator.apiKey,
      dispatcher: pools.poolFor(origin),
      clientHeaders: { 'x-tokenbyte-simulated': 'true' },
    };
    return { simulator, upstream };
  };
  return {
    async get() {
      if (closed) throw new Error('the simulated provider was closed');
      starting ??= start().catch((error: unknown) => {
        // Let the next request try again instead of failing forever.
        starting = null;
        throw error;
      });
      return (await starting).upstream;
    },
    async close() {
      closed = true;
      const pending = starting;
      starting = null;
      if (pending) await (await pending.catch(() => null))?.simulator.close();
    },
  };
}
