import DataLoader from 'dataloader';
import type { Em } from '../../db/orm.js';
import { PolicyView } from './policy.entity.js';
import { findCurrentPolicyVersion } from './policy.service.js';

// Per-request, keyed by the request's entity manager (one fork per request), so that
// the shared loaders.ts need not know about policies.
const perRequest = new WeakMap<Em, ReturnType<typeof createPolicyLoaders>>();

/** The policy loaders of this request. */
export function policyLoaders(em: Em): ReturnType<typeof createPolicyLoaders> {
  let loaders = perRequest.get(em);
  if (!loaders) {
    loaders = createPolicyLoaders(em);
    perRequest.set(em, loaders);
  }
  return loaders;
}

function createPolicyLoaders(em: Em) {
  let current: Promise<string | null> | undefined;
  return {
    /** The id of the version in force, read once per request. */
    currentVersionId: () => (current ??= findCurrentPolicyVersion(em).then((v) => v?.id ?? null)),

    /** Per account: the view of the version it accepted at sign-up (the latest, should there be several). */
    acceptance: new DataLoader<string, PolicyView | null>(async (accountIds) => {
      const rows = await em.find(
        PolicyView,
        { account: { $in: [...accountIds] }, acceptedAt: { $ne: null } },
        { populate: ['policyVersion'], orderBy: { acceptedAt: 'desc' } },
      );
      return accountIds.map((id) => rows.find((r) => r.account.id === id) ?? null);
    }),

    /** Per "accountId:versionId": when that account saw that version. */
    seenAt: new DataLoader<string, Date | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(':') as [string, string]);
      const rows = await em.find(
        PolicyView,
        { account: { $in: [...new Set(pairs.map((p) => p[0]))] }, policyVersion: { $in: [...new Set(pairs.map((p) => p[1]))] } },
        { fields: ['account', 'policyVersion', 'seenAt'] },
      );
      return pairs.map(([a, v]) => rows.find((r) => r.account.id === a && r.policyVersion.id === v)?.seenAt ?? null);
    }),
  };
}
