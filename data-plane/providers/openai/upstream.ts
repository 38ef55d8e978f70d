import { isUpstreamProvider } from '../../../shared/upstream-credentials.js';
import type { RetryPolicy } from '../../proxy/credentials.js';
import { createUpstream, type Upstream, type UpstreamPools, type UpstreamSource } from '../../proxy/upstream.js';
import { SIMULATED_PROVIDER } from '../simulated/completion.js';
import { startSimulatedUpstream } from '../simulated/server.js';
import type { ProviderUpstreams } from '../upstreams.js';
import { openaiAuthHeader } from './auth.js';

/** Which upstream serves a catalogue model on the OpenAI routes, or why none does. */
export type UpstreamChoice =
  | { ok: true; upstream: Upstream }
  /** `unsupported`: no upstream of this route serves the provider; `not_configured`: the provider has no credential. */
  | { ok: false; reason: 'unsupported' | 'not_configured' };

/** The upstreams behind the OpenAI routes, chosen per call by the model's provider. */
export interface OpenAIUpstreams {
  forProvider(provider: string): Promise<UpstreamChoice>;
  /** Stops the simulated provider, if it was started. */
  close(): Promise<void>;
}

/**
 * The upstreams of the OpenAI routes: `openai` models go to OpenAI (no credential:
 * `not_configured`, never a silent stand-in), `anthropic` and `gemini` ones to those
 * providers, translated (see translated.ts), and `simulated` models to the built-in
 * simulated provider, started on first use only. Which one answers is the catalogue's
 * decision, made per model, so a simulated model is always simulated and a real one never is.
 */
export function createOpenAIUpstreams(providers: ProviderUpstreams, pools: UpstreamPools, retry: RetryPolicy): OpenAIUpstreams {
  const simulated = simulatedSource(pools, retry);
  return {
    async forProvider(provider) {
      if (provider === SIMULATED_PROVIDER) return { ok: true, upstream: await simulated.get() };
      if (!isUpstreamProvider(provider)) return { ok: false, reason: 'unsupported' };
      const upstream = providers[provider];
      return upstream.credentials().length === 0 ? { ok: false, reason: 'not_configured' } : { ok: true, upstream };
    },
    close: () => simulated.close(),
  };
}

function simulatedSource(pools: UpstreamPools, retry: RetryPolicy): UpstreamSource {
  let starting: Promise<{ close(): Promise<void>; upstream: Upstream }> | null = null;
  let closed = false;
  const start = async (): Promise<{ close(): Promise<void>; upstream: Upstream }> => {
    const simulator = await startSimulatedUpstream();
    const specs = [{ id: 'simulated', baseUrl: simulator.baseUrl, apiKey: simulator.apiKey, weight: 1 }];
    const upstream = createUpstream({
      provider: SIMULATED_PROVIDER,
      clientHeaders: { 'x-tokenbyte-simulated': 'true' },
      authHeader: openaiAuthHeader,
      retry,
      pools,
      specs: () => specs,
    });
    return { close: () => simulator.close(), upstream };
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
      if (pending) await (await pending.catch(() => null))?.close();
    },
  };
}
