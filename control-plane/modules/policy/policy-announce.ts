import { LockMode } from '@mikro-orm/core';
import type { Logger } from '../../../shared/logger.js';
import type { Database, Em } from '../../db/orm.js';
import { Account } from '../account/account.entity.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import { PolicyVersion } from './policy.entity.js';

/** Accounts notified per transaction: big enough to be quick, small enough to keep transactions short. */
export const ANNOUNCE_BATCH_SIZE = 500;

export interface BatchResult {
  /** Accounts notified by this batch. */
  notified: number;
  /** The announcement has reached every account (or was already complete). */
  complete: boolean;
}

/**
 * Notifies the next batch of accounts of a new policy version, in-service and by
 * email, in one transaction that also advances the announcement's cursor. The version
 * row is locked for the batch, so two instances (or the job and the publishing
 * request) never notify the same account twice; a crash loses at most the batch's
 * uncommitted work, and the next run continues from the cursor.
 *
 * Every account that existed at publication and has not asked for its deletion is
 * told; suspended and restricted accounts too, because this is a legal notice
 * (policy §8), not marketing. Accounts created later accept the version at sign-up.
 */
export function announceNextBatch(em: Em, versionId: string, batchSize = ANNOUNCE_BATCH_SIZE): Promise<BatchResult> {
  return em.transactional(async (tx) => {
    const version = await tx.findOne(PolicyVersion, { id: versionId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!version || version.announcementCompletedAt) return { notified: 0, complete: true };
    const cursor = version.announcedThroughAccountId;
    const accounts = await tx.find(
      Account,
      { ...(cursor ? { id: { $gt: cursor } } : {}), createdAt: { $lte: version.publishedAt }, deletionRequestedAt: null },
      { orderBy: { id: 'asc' }, limit: batchSize },
    );
    const content = announcement(version);
    for (const account of accounts) notify(tx, account, content);
    const last = accounts.at(-1);
    if (last) version.announcedThroughAccountId = last.id;
    version.announcedCount += accounts.length;
    const complete = accounts.length < batchSize;
    if (complete) version.announcementCompletedAt = new Date();
    return { notified: accounts.length, complete };
  });
}

/**
 * Runs every unfinished announcement to its end, batch by batch. Idempotent: what is
 * done is never redone, so it may run on every instance and after every publication.
 */
export async function announcePendingPolicyVersions(
  db: Pick<Database, 'fork'>,
  logger: Logger,
  batchSize = ANNOUNCE_BATCH_SIZE,
): Promise<{ versions: number; notified: number }> {
  const pending = await db.fork().find(PolicyVersion, { announcementCompletedAt: null }, { orderBy: { publishedAt: 'asc' }, fields: ['id', 'version'] });
  let notified = 0;
  for (const version of pending) {
    for (let done = false; !done; ) {
      const batch = await announceNextBatch(db.fork(), version.id, batchSize);
      notified += batch.notified;
      done = batch.complete;
    }
    logger.info({ policyVersion: version.version }, 'policy version announced to every account');
  }
  return { versions: pending.length, notified };
}

/** The notice itself: what changed, where to read it, and what continued use means. */
export function announcement(version: PolicyVersion) {
  const where = version.url ? `Read the full text at ${version.url}` : 'Read the full text in your TokenByte account (the privacyPolicy query of the API)';
  return {
    topic: NotificationTopic.POLICY_UPDATED,
    title: `TokenByte's privacy policy has changed (version ${version.version})`,
    body: [
      `We published version ${version.version} of the TokenByte privacy policy on ${version.publishedAt.toISOString().slice(0, 10)}.`,
      '',
      'What changed:',
      version.summary,
      '',
      `${where}.`,
      'Continued use of the Service constitutes acceptance of the updated policy. Questions: support@tokenbyte.ai.',
    ].join('\n'),
  };
}
