import type { UpstreamProviderName } from '../../shared/upstream-credentials.js';
import type { RetryPolicy } from '../proxy/credentials.js';
import { createUpstream, type CredentialSpec, type Upstream, type UpstreamPools } from '../proxy/upstream.js';
import { ANTHROPIC_DEFAULT_BASE_URL, ANTHROPIC_PROVIDER, anthropicAuthHeader } from './anthropic/upstream.js';
import { GEMINI_DEFAULT_BASE_URL, GEMINI_PROVIDER, geminiAuthHeader } from './gemini/upstream.js';
import { OPENAI_DEFAULT_BASE_URL, OPENAI_PROVIDER, openaiAuthHeader } from './openai/auth.js';


/** An upstream as the environment (or a test) configures it: one credential. */
export interface ConfiguredUpstream {
  baseUrl: string;
  apiKey?: string | undefined;
}

/** A credential an admin stored (decrypted); a null `baseUrl` means the provider's configured one. */
export interface StoredCredential {
  id: string;
  baseUrl: string | null;
  apiKey: string;
  weight: number;
}

/** The admin-managed credentials, held in memory (see credentials/cache.ts). */
export interface StoredCredentials {
  /**
   * The enabled credentials of a provider, the same array until they change; null when
   * none was ever stored for it (an empty array: every one is disabled).
   */
  forProvider(provider: UpstreamProviderName): readonly StoredCredential[] | null;
}

/** One upstream per provider, shared by every route that calls it (so are their cool-downs). */
export type ProviderUpstreams = Readonly<Record<UpstreamProviderName, Upstream>>;

const PROVIDERS = {
  [OPENAI_PROVIDER]: { defaultBaseUrl: OPENAI_DEFAULT_BASE_URL, authHeader: openaiAuthHeader },
  [ANTHROPIC_PROVIDER]: { defaultBaseUrl: ANTHROPIC_DEFAULT_BASE_URL, authHeader: anthropicAuthHeader },
  [GEMINI_PROVIDER]: { defaultBaseUrl: GEMINI_DEFAULT_BASE_URL, authHeader: geminiAuthHeader },
} as const;

/**
 * The upstreams of the three providers. A provider's credentials are the ones admins
 * stored, when any was ever stored for it; otherwise the one from the environment
 * (`OPENAI_API_KEY` …), so a first run works from the environment alone. A stored
 * credential without a base URL uses the environment's (`OPENAI_BASE_URL` …), else the
 * provider's public one.
 */
export function createProviderUpstreams(options: {
  configured: Readonly<Record<UpstreamProviderName, ConfiguredUpstream | null>>;
  stored?: StoredCredentials | undefined;
  retry: RetryPolicy;
  pools: UpstreamPools;
}): ProviderUpstreams {
  const upstream = (provider: UpstreamProviderName): Upstream => {
    const { defaultBaseUrl, authHeader } = PROVIDERS[provider];
    const configured = options.configured[provider];
    const fromEnv: readonly CredentialSpec[] = configured === null ? [] : [{ id: 'env', baseUrl: configured.baseUrl, apiKey: configured.apiKey, weight: 1 }];
    const baseUrl = configured?.baseUrl ?? defaultBaseUrl;
    let seen: readonly StoredCredential[] | null = null;
    let specs: readonly CredentialSpec[] = [];
    return createUpstream({
      provider,
      authHeader,
      retry: options.retry,
      pools: options.pools,
      specs() {
        const stored = options.stored?.forProvider(provider) ?? null;
        if (stored === null) return fromEnv;
        if (stored !== seen) {
          seen = stored;
          specs = stored.map((c) => ({ id: c.id, baseUrl: c.baseUrl ?? baseUrl, apiKey: c.apiKey, weight: c.weight }));
        }
        return specs;
      },
    });
  };
  return { [OPENAI_PROVIDER]: upstream(OPENAI_PROVIDER), [ANTHROPIC_PROVIDER]: upstream(ANTHROPIC_PROVIDER), [GEMINI_PROVIDER]: upstream(GEMINI_PROVIDER) };
}
