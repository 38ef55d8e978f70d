import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Logger } from '../../../shared/logger.js';
import type { Database, Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import type { Problem, Result } from '../account/account.service.js';
import { ANNOUNCE_BATCH_SIZE, announcePendingPolicyVersions } from './policy-announce.js';
import { PolicyVersion, PolicyView } from './policy.entity.js';

export const MAX_SUMMARY_LENGTH = 2_000;
export const MAX_TEXT_LENGTH = 200_000;
const VERSION_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,30}[A-Za-z0-9])?$/;

export interface PolicyVersionPublishInput {
  version: string;
  summary: string;
  text?: string | null;
  url?: string | null;
}

/** The version in force: the one published last. */
export async function findCurrentPolicyVersion(em: Em): Promise<PolicyVersion | null> {
  const [current] = await em.find(PolicyVersion, {}, { orderBy: { publishedAt: 'desc', id: 'desc' }, limit: 1 });
  return current ?? null;
}

/**
 * Records, in the caller's flush, that a new account accepted (and so has seen) the
 * version in force when it signed up.
 */
export async function acceptCurrentPolicy(em: Em, account: Account): Promise<void> {
  const current = await findCurrentPolicyVersion(em);
  if (!current) throw new Error('no privacy policy version: migration 0005 seeds one', { cause: { code: 'POLICY_MISSING' } });
  const at = new Date();
  em.persist(em.create(PolicyView, { account, policyVersion: current, seenAt: at, acceptedAt: at }));
}

export interface PolicyServiceDeps {
  db: Pick<Database, 'fork'>;
  logger: Logger;
  batchSize?: number;
}

/**
 * Publishing policy versions and recording who saw them. A publication is announced
 * in the background, in batches (see policy-announce.ts); the announce-policy job
 * finishes any announcement an instance left half-way.
 */
export function createPolicyService({ db, logger, batchSize = ANNOUNCE_BATCH_SIZE }: PolicyServiceDeps) {
  let running: Promise<void> | null = null;
  let again = false;

  /** Starts announcing now, without waiting for the job; a second call while running re-runs once more. */
  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await announcePendingPolicyVersions(db, logger, batchSize);
      } while (again);
    })()
      .catch((err: unknown) => logger.error({ err }, 'policy announcement failed; the announce-policy job will resume it'))
      .finally(() => {
        running = null;
      });
  }

  return {
    /** Publishes a version; `audit` queues the admin-audit entry on the same flush. */
    async publish(em: Em, admin: Account, input: PolicyVersionPublishInput, audit?: (version: PolicyVersion) => void): Promise<Result<PolicyVersion>> {
      const checked = validate(input);
      if (!checked.ok) return checked;
      if (await em.count(PolicyVersion, { version: checked.value.version })) return { ok: false, problems: [taken] };
      const version = em.create(PolicyVersion, { ...checked.value, publishedBy: admin, publishedAt: new Date() });
      audit?.(version);
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) return { ok: false, problems: [taken] };
        throw error;
      }
      kick();
      return { ok: true, value: version };
    },

    /** Records that the account has seen the version (idempotent: the first time counts). */
    async markSeen(em: Em, account: Account, versionId: string): Promise<Result<{ version: PolicyVersion; view: PolicyView }>> {
      const version = await em.findOne(PolicyVersion, { id: versionId });
      if (!version) return { ok: false, problems: [POLICY_NOT_FOUND] };
      const existing = await em.findOne(PolicyView, { account, policyVersion: version });
      if (existing) return { ok: true, value: { version, view: existing } };
      const view = em.create(PolicyView, { account, policyVersion: version, seenAt: new Date() });
      try {
        await em.flush();
      } catch (error) {
        // The same account marked it twice at once; the first one counts.
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        em.clear();
        const first = await em.findOneOrFail(PolicyView, { account: account.id, policyVersion: version.id }, { populate: ['policyVersion'] });
        return { ok: true, value: { version: first.policyVersion, view: first } };
      }
      return { ok: true, value: { version, view } };
    },

    kick,

    /** Waits for a running announcement (shutdown, tests). */
    async drain(): Promise<void> {
      while (running) await running;
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;

/** An unknown (or malformed) policy version id. */
export const POLICY_NOT_FOUND: Problem = { field: ['id'], code: 'NOT_FOUND', message: 'No such policy version.' };

const taken: Problem = { field: ['input', 'version'], code: 'TAKEN', message: 'A policy version with this label exists.' };

function validate(input: PolicyVersionPublishInput): Result<{ version: string; summary: string; body: string | null; url: string | null }> {
  const version = input.version.trim();
  const summary = input.summary.trim();
  const body = input.text?.trim() || null;
  const url = input.url?.trim() || null;
  const problems: Problem[] = [];
  if (!VERSION_LABEL.test(version)) {
    problems.push({ field: ['input', 'version'], code: 'INVALID', message: 'A version label is 1–32 letters, digits, ".", "_" or "-", starting and ending with a letter or digit.' });
  }
  if (summary.length === 0 || summary.length > MAX_SUMMARY_LENGTH) {
    problems.push({ field: ['input', 'summary'], code: 'INVALID', message: `Summarise the changes in 1–${MAX_SUMMARY_LENGTH} characters.` });
  }
  if (!body && !url) problems.push({ field: ['input'], code: 'TEXT_OR_URL_REQUIRED', message: 'Give the full text, a URL where it is published, or both.' });
  if (body && body.length > MAX_TEXT_LENGTH) problems.push({ field: ['input', 'text'], code: 'TOO_LONG', message: `The text may have at most ${MAX_TEXT_LENGTH} characters.` });
  if (url && !isHttpsUrl(url)) problems.push({ field: ['input', 'url'], code: 'INVALID', message: 'The URL must be an https:// address of at most 2048 characters.' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { version, summary, body, url } };
}

function isHttpsUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
