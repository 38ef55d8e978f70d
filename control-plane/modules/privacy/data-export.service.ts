import { createHash } from 'node:crypto';
import { newId } from '../../../shared/ids.js';
import type { Logger } from '../../../shared/logger.js';
import type { Em } from '../../db/orm.js';
import { toGlobalId } from '../../graphql/node.js';
import { Account } from '../account/account.entity.js';
import type { Result } from '../account/account.service.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import { SecurityEventType } from '../security-event/security-event.entity.js';
import { recordSecurityEvent, type RequestMeta } from '../security-event/security-event.service.js';
import { buildExportArchive } from './export-archive.js';
import { hashOneTimeToken, newOneTimeToken, TokenPrefix } from './one-time-token.js';
import { DataExport, DataExportStatus } from './privacy.entity.js';

/** A download link works this long (and never past the archive's expiry). */
export const DOWNLOAD_LINK_TTL_MS = 15 * 60_000;
/** At most this many exports per account in 24 hours: each one reads everything the account has. */
export const MAX_EXPORTS_PER_DAY = 5;
/** A build that has not finished after this long is taken as crashed and retried. */
export const STALE_BUILD_MS = 10 * 60_000;
/** After this many failed builds the export is FAILED. */
export const MAX_BUILD_ATTEMPTS = 3;

/** Queues an export of the account's data; the build-exports job builds it. */
export async function requestDataExport(em: Em, account: Account, meta: RequestMeta, now = new Date()): Promise<Result<DataExport>> {
  const inProgress = await em.count(DataExport, { account, status: { $in: [DataExportStatus.PENDING, DataExportStatus.BUILDING] } });
  if (inProgress > 0) {
    return { ok: false, problems: [{ field: null, code: 'IN_PROGRESS', message: 'An export of your data is already being built; you will be notified when it is ready.' }] };
  }
  const recent = await em.count(DataExport, { account, createdAt: { $gt: new Date(now.getTime() - 86_400_000) } });
  if (recent >= MAX_EXPORTS_PER_DAY) {
    return { ok: false, problems: [{ field: null, code: 'LIMIT_REACHED', message: `At most ${MAX_EXPORTS_PER_DAY} exports a day; try again later.` }] };
  }
  const dataExport = em.create(DataExport, { account, createdAt: now });
  em.persist(dataExport);
  recordSecurityEvent(em, account, SecurityEventType.DATA_EXPORT_REQUEST, meta);
  await em.flush();
  return { ok: true, value: dataExport };
}

/**
 * Hands out a new download link for a ready export (a new token each time; only its
 * hash is stored). The URL is relative to the control-plane's origin and works only
 * together with the owner's session cookie.
 */
export async function createDownloadLink(em: Em, dataExport: DataExport, now = new Date()): Promise<{ url: string; expiresAt: Date } | null> {
  if (dataExport.status !== DataExportStatus.READY || !dataExport.expiresAt || dataExport.expiresAt <= now) return null;
  const { token, hash } = newOneTimeToken(TokenPrefix.EXPORT_DOWNLOAD);
  const expiresAt = new Date(Math.min(now.getTime() + DOWNLOAD_LINK_TTL_MS, dataExport.expiresAt.getTime()));
  // Plain SQL, not the unit of work: several links may be made in one request, concurrently.
  await em.execute('insert into data_export_link (id, data_export_id, token_hash, created_at, expires_at) values (?, ?, ?, ?, ?)', [
    newId(),
    dataExport.id,
    hash,
    now.toISOString(),
    expiresAt.toISOString(),
  ]);
  return { url: `/exports/${toGlobalId('DataExport', dataExport.id)}?token=${token}`, expiresAt };
}

/** The archive behind a download link, if the export is the account's, ready, and the link unexpired. */
export async function findDownload(em: Em, exportId: string, accountId: string, token: string, now = new Date()): Promise<{ content: Buffer; createdAt: Date } | null> {
  const rows = await em.execute<{ content: unknown; created_at: string }[]>(
    `select a.content, to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
       from data_export e
       join data_export_archive a on a.data_export_id = e.id
       join data_export_link l on l.data_export_id = e.id
      where e.id = ?::uuid and e.account_id = ?::uuid and e.status = ? and e.expires_at > ?::timestamptz
        and l.token_hash = ? and l.expires_at > ?::timestamptz`,
    [exportId, accountId, DataExportStatus.READY, now.toISOString(), hashOneTimeToken(token), now.toISOString()],
  );
  const row = rows[0];
  if (!row) return null;
  const content = row.content as Uint8Array;
  return { content: Buffer.from(content.buffer, content.byteOffset, content.byteLength), createdAt: new Date(row.created_at) };
}

export interface BuildOptions {
  expiryMs: number;
  logger: Logger;
  now?: () => Date;
  /** At most this many exports per run; the next run takes the rest. */
  limit?: number;
}

/**
 * Builds waiting exports one at a time. Each is claimed with SKIP LOCKED, so two
 * instances never build the same one; a crashed build is retried after
 * {@link STALE_BUILD_MS}. Returns the ids of the exports it made ready.
 */
export async function buildPendingExports(fork: () => Em, options: BuildOptions): Promise<string[]> {
  const now = options.now ?? (() => new Date());
  const built: string[] = [];
  await fork().execute(
    `update data_export set status = ? where status = ? and attempts >= ? and started_at < ?::timestamptz`,
    [DataExportStatus.FAILED, DataExportStatus.BUILDING, MAX_BUILD_ATTEMPTS, new Date(now().getTime() - STALE_BUILD_MS).toISOString()],
  );
  for (let i = 0; i < (options.limit ?? 10); i++) {
    const em = fork();
    const claimed = await claimNext(em, now());
    if (!claimed) break;
    try {
      await buildOne(em, claimed, options.expiryMs, now);
      built.push(claimed);
    } catch (err) {
      options.logger.error({ err, dataExportId: claimed }, 'data export build failed');
      await fork().execute(`update data_export set status = case when attempts >= ? then ? else ? end where id = ?::uuid and status = ?`, [
        MAX_BUILD_ATTEMPTS,
        DataExportStatus.FAILED,
        DataExportStatus.PENDING,
        claimed,
        DataExportStatus.BUILDING,
      ]);
    }
  }
  return built;
}

async function claimNext(em: Em, at: Date): Promise<string | null> {
  const rows = await em.execute<{ id: string }[]>(
    `update data_export set status = ?, started_at = ?::timestamptz, attempts = attempts + 1
      where id = (select id from data_export
                   where attempts < ? and (status = ? or (status = ? and started_at < ?::timestamptz))
                   order by id limit 1 for update skip locked)
      returning id::text as id`,
    [
      DataExportStatus.BUILDING,
      at.toISOString(),
      MAX_BUILD_ATTEMPTS,
      DataExportStatus.PENDING,
      DataExportStatus.BUILDING,
      new Date(at.getTime() - STALE_BUILD_MS).toISOString(),
    ],
  );
  return rows[0]?.id ?? null;
}

async function buildOne(em: Em, id: string, expiryMs: number, now: () => Date): Promise<void> {
  const dataExport = await em.findOneOrFail(DataExport, { id }, { populate: ['account'] });
  const account = dataExport.account;
  const archive = await buildExportArchive(em, { accountId: account.id, username: account.username, exportId: id, createdAt: dataExport.createdAt });
  const at = now();
  // Idempotent: a retried build replaces what an interrupted one left.
  await em.execute(
    `insert into data_export_archive (data_export_id, content, created_at) values (?::uuid, decode(?, 'base64'), ?::timestamptz)
     on conflict (data_export_id) do update set content = excluded.content, created_at = excluded.created_at`,
    [id, archive.toString('base64'), at.toISOString()],
  );
  await em.refresh(dataExport);
  dataExport.status = DataExportStatus.READY;
  dataExport.completedAt = at;
  dataExport.expiresAt = new Date(at.getTime() + expiryMs);
  dataExport.sizeBytes = archive.byteLength;
  dataExport.sha256 = createHash('sha256').update(archive).digest('hex');
  notify(em, account, {
    topic: NotificationTopic.DATA_EXPORT_READY,
    title: 'Your TokenByte data export is ready',
    body:
      `The copy of your data you asked for on ${dataExport.createdAt.toISOString().slice(0, 10)} is ready. Download it from your data exports ` +
      `while logged in, before ${dataExport.expiresAt.toISOString()}; the archive is deleted then.`,
  });
  await em.flush();
}

/**
 * Deletes the archives and links that expired and marks their exports EXPIRED;
 * forgets expired and failed exports after `keepRecordsMs`. Idempotent.
 */
export async function expireDataExports(em: Em, options: { keepRecordsMs: number; now?: Date }): Promise<{ expired: number; forgotten: number }> {
  const now = (options.now ?? new Date()).toISOString();
  const forgetBefore = new Date(new Date(now).getTime() - options.keepRecordsMs).toISOString();
  return em.transactional(async (tx) => {
    const expiredExports = `select id from data_export where expires_at <= ?::timestamptz`;
    await tx.execute(`delete from data_export_archive where data_export_id in (${expiredExports})`, [now]);
    await tx.execute(`delete from data_export_link where expires_at <= ?::timestamptz or data_export_id in (${expiredExports})`, [now, now]);
    const expired = await tx.execute(`update data_export set status = ? where status = ? and expires_at <= ?::timestamptz`, [DataExportStatus.EXPIRED, DataExportStatus.READY, now], 'run');
    const forgotten = await tx.execute(
      `delete from data_export where (status = ? and expires_at <= ?::timestamptz) or (status = ? and created_at <= ?::timestamptz)`,
      [DataExportStatus.EXPIRED, forgetBefore, DataExportStatus.FAILED, forgetBefore],
      'run',
    );
    return { expired: affected(expired), forgotten: affected(forgotten) };
  });
}

function affected(result: unknown): number {
  const rows = (result as { affectedRows?: number } | undefined)?.affectedRows;
  return typeof rows === 'number' ? rows : 0;
}
