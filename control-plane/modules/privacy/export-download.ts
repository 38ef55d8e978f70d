import { getCookie, getRouterParam, type H3Event } from 'h3';
import { clientIp } from '../../../shared/http.js';
import type { Database } from '../../db/orm.js';
import { fromGlobalId } from '../../graphql/node.js';
import { SecurityEventType } from '../security-event/security-event.entity.js';
import { recordSecurityEvent } from '../security-event/security-event.service.js';
import type { SessionService } from '../session/session.service.js';
import { findDownload } from './data-export.service.js';
import { isOneTimeToken, TokenPrefix } from './one-time-token.js';

export interface ExportDownloadDeps {
  db: Database;
  sessions: SessionService;
  cookieName: string;
  trustProxy: boolean;
}

/**
 * `GET /exports/:id?token=…`: the archive of a ready export. Both are required: the
 * owner's session cookie (a leaked link alone is worthless) and an unexpired link
 * token (a stolen session alone cannot fetch old archives without asking the API for a
 * link, which it logs). Anything else is 401 without a session, 404 otherwise — an id
 * that is not yours looks exactly like one that does not exist.
 */
export function createExportDownloadHandler(deps: ExportDownloadDeps) {
  return async (event: H3Event): Promise<Response> => {
    const em = deps.db.fork();
    const cookie = getCookie(event, deps.cookieName);
    const session = cookie ? await deps.sessions.authenticate(em, cookie) : null;
    if (!session) return text(401, 'Log in to download your data export.');
    const id = fromGlobalId(getRouterParam(event, 'id') ?? '', 'DataExport')?.id;
    const token = event.url.searchParams.get('token') ?? '';
    const download = id && isOneTimeToken(token, TokenPrefix.EXPORT_DOWNLOAD) ? await findDownload(em, id, session.account.id, token) : null;
    if (!download) return text(404, 'No such data export, or the link has expired. Ask for a new link in your list of data exports.');
    recordSecurityEvent(em, session.account, SecurityEventType.DATA_EXPORT_DOWNLOAD, {
      ip: clientIp(event, deps.trustProxy),
      userAgent: event.req.headers.get('user-agent'),
    });
    await em.flush();
    const day = download.createdAt.toISOString().slice(0, 10);
    return new Response(new Uint8Array(download.content), {
      status: 200,
      headers: {
        'content-type': 'application/zip',
        'content-length': String(download.content.byteLength),
        'content-disposition': `attachment; filename="tokenbyte-export-${day}.zip"`,
        // Personal data: no cache anywhere, no sniffing, and the token never leaves in a Referer.
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    });
  };
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  });
}
