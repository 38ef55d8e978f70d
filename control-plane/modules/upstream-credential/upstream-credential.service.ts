import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { newId } from '../../../shared/ids.js';
import { UPSTREAM_CREDENTIAL_CHANNEL } from '../../../shared/key-events.js';
import { isUpstreamProvider, sealCredential, type UpstreamProviderName } from '../../../shared/upstream-credentials.js';
import type { Em } from '../../db/orm.js';
import type { Problem, Result } from '../account/account.service.js';
import { noAudit, type AuditHook } from '../audit/audit.js';
import { UpstreamCredential } from './upstream-credential.entity.js';
import {
  checkBaseUrl,
  checkName,
  checkSecret,
  checkWeight,
  invalid,
  isProblem,
  lastFourOf,
  MAX_CREDENTIALS_PER_PROVIDER,
  notFound,
  taken,
} from './upstream-credential.rules.js';

export interface UpstreamCredentialCreateInput {
  provider: string;
  name: string;
  secret: string;
  baseUrl?: string | null;
  weight: number;
  enabled: boolean;
}

/** Fields left out (undefined) stay as they are; `baseUrl: null` clears it, null elsewhere means unchanged. */
export interface UpstreamCredentialUpdateInput {
  name?: string | null;
  secret?: string | null;
  baseUrl?: string | null;
  weight?: number | null;
  enabled?: boolean | null;
}


const TYPE = 'UpstreamCredential';

/** Tells every data-plane instance to reload its credentials; the payload names the provider. */
export async function announceUpstreamCredentialChange(em: Em, provider: UpstreamProviderName): Promise<void> {
  await em.getConnection().execute('select pg_notify(?, ?)', [UPSTREAM_CREDENTIAL_CHANNEL, provider]);
}

/**
 * Management of TokenByte's provider credentials, for admins. Secrets are sealed with
 * `key` before they reach the entity, and never leave this service in the clear: not
 * in a result, a problem, an audit entry or an error. Every change is announced after
 * it is committed.
 */
export function createUpstreamCredentialService(deps: { key: Buffer; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  function describe(credential: UpstreamCredential): Record<string, unknown> {
    // `scrub` drops keys that look secret (…secret…), so the last four go as `lastFour`.
    const { provider, name, baseUrl, weight, enabled } = credential;
    return { provider, name, baseUrl, weight, enabled, lastFour: credential.secretLastFour };
  }

  async function nameTaken(em: Em, provider: UpstreamProviderName, name: string, exceptId?: string): Promise<boolean> {
    return (await em.count(UpstreamCredential, { provider, name, ...(exceptId ? { id: { $ne: exceptId } } : {}) })) > 0;
  }

  /** Flushes; a unique violation (another admin took the name meanwhile) becomes TAKEN. */
  async function flushOrTaken(em: Em): Promise<Problem[]> {
    try {
      await em.flush();
      return [];
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return [taken()];
      throw error;
    }
  }

  return {
    async create(em: Em, input: UpstreamCredentialCreateInput, audit: AuditHook = noAudit): Promise<Result<UpstreamCredential>> {
      const name = checkName(input.name);
      const secret = checkSecret(input.secret);
      const baseUrl = checkBaseUrl(input.baseUrl);
      const problems = [name, secret, baseUrl, checkWeight(input.weight)].filter((c): c is Problem => c !== null && isProblem(c));
      if (!isUpstreamProvider(input.provider)) problems.unshift(invalid('provider', `Unknown provider "${input.provider}".`));
      if (problems.length > 0 || isProblem(name) || isProblem(secret) || isProblem(baseUrl)) return { ok: false, problems };
      const provider = input.provider as UpstreamProviderName;
      if (await nameTaken(em, provider, name.name)) return { ok: false, problems: [taken()] };
      if ((await em.count(UpstreamCredential, { provider })) >= MAX_CREDENTIALS_PER_PROVIDER) {
        return { ok: false, problems: [{ field: null, code: 'LIMIT_REACHED', message: `A provider has at most ${MAX_CREDENTIALS_PER_PROVIDER} credentials.` }] };
      }
      const at = now();
      // The id exists before the insert (a UUIDv7 made here), so the secret is sealed to its row at once.
      const id = newId();
      const credential = em.create(UpstreamCredential, {
        id,
        provider,
        name: name.name,
        baseUrl: baseUrl.baseUrl,
        secretSealed: sealCredential(secret.secret, deps.key, id),
        secretLastFour: lastFourOf(secret.secret),
        weight: input.weight,
        enabled: input.enabled,
        createdAt: at,
        updatedAt: at,
      });
      audit(em, { type: TYPE, id: credential.id }, describe(credential));
      const conflict = await flushOrTaken(em);
      if (conflict.length > 0) return { ok: false, problems: conflict };
      await announceUpstreamCredentialChange(em, credential.provider);
      return { ok: true, value: credential };
    },

    async update(em: Em, id: string, input: UpstreamCredentialUpdateInput, audit: AuditHook = noAudit): Promise<Result<UpstreamCredential>> {
      const credential = await em.findOne(UpstreamCredential, { id });
      if (!credential) return { ok: false, problems: [notFound()] };
      const name = input.name == null ? null : checkName(input.name);
      const secret = input.secret == null ? null : checkSecret(input.secret);
      const baseUrl = input.baseUrl === undefined ? null : checkBaseUrl(input.baseUrl);
      const weight = input.weight == null ? null : checkWeight(input.weight);
      const problems = [name, secret, baseUrl, weight].filter((c): c is Problem => c !== null && isProblem(c));
      if (problems.length > 0 || (name && isProblem(name)) || (secret && isProblem(secret)) || (baseUrl && isProblem(baseUrl))) {
        return { ok: false, problems };
      }

      const changed: string[] = [];
      if (name && name.name !== credential.name) {
        if (await nameTaken(em, credential.provider, name.name, credential.id)) return { ok: false, problems: [taken()] };
        credential.name = name.name;
        changed.push('name');
      }
      if (secret) {
        credential.secretSealed = sealCredential(secret.secret, deps.key, credential.id);
        credential.secretLastFour = lastFourOf(secret.secret);
        changed.push('secret');
      }
      if (baseUrl && baseUrl.baseUrl !== credential.baseUrl) {
        credential.baseUrl = baseUrl.baseUrl;
        changed.push('baseUrl');
      }
      if (input.weight != null && input.weight !== credential.weight) {
        credential.weight = input.weight;
        changed.push('weight');
      }
      if (input.enabled != null && input.enabled !== credential.enabled) {
        credential.enabled = input.enabled;
        changed.push('enabled');
      }
      if (changed.length > 0) credential.updatedAt = now();
      // Audited even when nothing changed: the admin acted. Announced only when something did.
      audit(em, { type: TYPE, id: credential.id }, { ...describe(credential), changed });
      const conflict = await flushOrTaken(em);
      if (conflict.length > 0) return { ok: false, problems: conflict };
      if (changed.length > 0) await announceUpstreamCredentialChange(em, credential.provider);
      return { ok: true, value: credential };
    },

    async delete(em: Em, id: string, audit: AuditHook = noAudit): Promise<Result<UpstreamCredential>> {
      const credential = await em.findOne(UpstreamCredential, { id });
      if (!credential) return { ok: false, problems: [notFound()] };
      em.remove(credential);
      audit(em, { type: TYPE, id: credential.id }, describe(credential));
      await em.flush();
      await announceUpstreamCredentialChange(em, credential.provider);
      return { ok: true, value: credential };
    },
  };
}

export type UpstreamCredentialService = ReturnType<typeof createUpstreamCredentialService>;
