import yauzl from 'yauzl';
import { buildExportsJob } from '../../../control-plane/jobs/build-exports.js';
import { newId } from '../../../shared/ids.js';
import { createLogger } from '../../../shared/logger.js';
import type { TestControlPlane } from '../../helpers/control-plane.js';

/** The database id inside a global id. */
export function dbId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1]!;
}

/** Inserts `count` usage records of the account, one a minute back from now, as the data-plane writes them. */
export async function insertUsage(
  cp: TestControlPlane,
  row: { accountId: string; apiKeyId: string | null; clientIp: string; userAgent: string; model?: string },
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const requestId = newId();
    ids.push(requestId);
    await cp.db.fork().execute(
      `insert into usage_event (request_id, created_at, account_id, api_key_id, provider, model, input_tokens, output_tokens,
         status, http_status, latency_ms, client_ip, user_agent, cost_picousd)
       values (?, ?, ?, ?, 'openai', ?, ?, ?, 'SUCCESS', 200, 900, ?, ?, ?)`,
      [requestId, new Date(now - (count - i) * 60_000).toISOString(), row.accountId, row.apiKeyId, row.model ?? 'gpt-4o-mini', 100 + i, 20 + i, row.clientIp, row.userAgent, String(1_500_000 + i)],
    );
  }
  return ids;
}

/** Every email queued for an address, oldest first. */
export async function outboxFor(cp: TestControlPlane, address: string): Promise<{ subject: string; body: string }[]> {
  return cp.db.fork().execute<{ subject: string; body: string }[]>('select subject, body from email_outbox where to_address = ? order by id', [address]);
}

/** The email-verification code in a text, if any. */
export function codeIn(text: string): string | null {
  return /tbev_[A-Za-z0-9_-]{43}/.exec(text)?.[0] ?? null;
}

/** Runs the build-exports job once, as the job runner would. */
export function runBuildExports(cp: TestControlPlane): Promise<unknown> {
  return buildExportsJob.run({ db: cp.db, config: cp.config, logger: createLogger({ level: 'silent', name: 'test' }) });
}

/** Every file of a zip archive by name, read with yauzl (an independent reader). */
export async function unzip(archive: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true });
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return files;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF), strictly: a malformed file throws. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
      continue;
    }
    if (c === '"') {
      if (field.length > 0) throw new Error(`stray quote at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') (row.push(field), (field = '')), i++;
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}`);
    else (field += c), i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (field.length > 0 || row.length > 0) throw new Error('last line lacks CRLF');
  return rows;
}
