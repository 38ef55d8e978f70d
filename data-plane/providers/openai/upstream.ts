import { splitBaseUrl, type Upstream, type UpstreamPools, type UpstreamSource } from '../../proxy/upstream.js';
import { SIMULATED_PROVIDER } from '../simulated/completion.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../simulated/server.js';

export const OPENAI_PROVIDER = 'openai';

/** An OpenAI-compatible upstream as configured: base URL (with its `/v1`) and our key. */
export interface OpenAIUpstreamConfig {
  baseUrl: string;
  apiKey?: string | undefined;
}

/**
 * The upstream behind the OpenAI routes: the configured one, or, when none is configured,
 * the built-in simulated provider. The simulator is started on first use only, so it can
 * never run (nor answer) while a real upstream is configured.
 */
export function createOpenAIUpstreamSource(configured: OpenAIUpstreamConfig | null, pools: UpstreamPools): UpstreamSource {
  if (configured !== null) {
    const { origin, basePath } = splitBaseUrl(configured.baseUrl);
    const upstream: Upstream = {
      provider: OPENAI_PROVIDER,
      basePath,
      apiKey: configured.apiKey,
      dispatcher: pools.poolFor(origin),
      clientHeaders: {},
    };
    const ready = Promise.resolve(upstream);
    return { get: () => ready, close: () => Promise.resolve() };
  }
  return simulatedSource(pools);
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
