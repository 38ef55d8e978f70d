import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ZipArchive } from 'archiver';
import type { Em } from '../../db/orm.js';
import { DATA_MAP, locationLabel, type DataCategory, type DataLocation } from './data-map.js';
import { usageEventTable } from './data-map.tables.js';
import { exportReadme, USAGE_CSV_FILE } from './export-readme.js';
import { allRecords, readColumnTypes, shownColumns, type ColumnTypes } from './personal-records.js';

/** Who the archive is for; printed at the top of the README. */
export interface ArchiveSubject {
  accountId: string;
  username: string;
  exportId: string;
  createdAt: Date;
}

/**
 * Builds the export archive (privacy policy §6 "Export"): a zip with one JSON file per
 * category of the data map, every usage record also as CSV, and a README describing
 * every file and field. Records are streamed from the database page by page into the
 * compressor, so a heavy account costs the size of its compressed archive in memory.
 */
export async function buildExportArchive(em: Em, subject: ArchiveSubject): Promise<Buffer> {
  const types = await readColumnTypes(em);
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const output = buffer(zip);
  // Files get the export's time, not the build's, so that the archive describes one instant.
  const date = subject.createdAt;
  zip.append(exportReadme(subject), { name: 'README.txt', date });
  for (const category of DATA_MAP) {
    zip.append(Readable.from(categoryJson(em, types, category, subject.accountId)), { name: `${category.key}.json`, date });
  }
  zip.append(Readable.from(usageCsv(em, types, subject.accountId)), { name: USAGE_CSV_FILE, date });
  const [archive] = await Promise.all([output, zip.finalize()]);
  return archive;
}

/** The category as JSON: what the data map says about it, then its records per location. */
async function* categoryJson(em: Em, types: ColumnTypes, category: DataCategory, accountId: string): AsyncGenerator<string> {
  const head = {
    category: category.key,
    name: category.name,
    description: category.description,
    policy: category.policy,
    purposes: category.purposes,
    retention: category.retention,
    onExport: category.export,
    onDeletion: category.deletion,
    onRestriction: category.restriction,
  };
  const headJson = JSON.stringify(head, null, 2);
  yield `${headJson.slice(0, -2)},\n  "locations": [`;
  let first = true;
  for (const location of category.locations) {
    yield `${first ? '' : ','}\n    {"name": ${JSON.stringify(locationLabel(location))}, "kind": ${JSON.stringify(location.kind)}, "note": ${JSON.stringify(note(location))}, "records": [`;
    first = false;
    let firstRecord = true;
    if (location.kind === 'TABLE' && location.owner && shownColumns(location).length > 0) {
      for await (const record of allRecords(em, types, location, accountId)) {
        yield `${firstRecord ? '' : ','}\n      ${JSON.stringify(record)}`;
        firstRecord = false;
      }
    }
    yield `${firstRecord ? '' : '\n    '}]}`;
  }
  yield '\n  ]\n}\n';
}

function note(location: DataLocation): string {
  if (location.kind !== 'TABLE') return location.description;
  if (!location.owner) return 'No records: these rows are tied to no account.';
  if (shownColumns(location).length === 0) return 'No records: these rows are copies of data in the other files.';
  return 'Every record, oldest first.';
}

/** Every usage record as CSV (RFC 4180, header row, CRLF), oldest first. */
async function* usageCsv(em: Em, types: ColumnTypes, accountId: string): AsyncGenerator<string> {
  const columns = shownColumns(usageEventTable);
  yield `${columns.join(',')}\r\n`;
  for await (const record of allRecords(em, types, usageEventTable, accountId)) {
    yield `${columns.map((c) => csvCell(record[c])).join(',')}\r\n`;
  }
}

/**
 * One CSV cell. Text a spreadsheet would run as a formula (=, +, -, @ at the start: a
 * user agent is whatever the caller sent) gets a leading apostrophe, as OWASP advises.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The names of every file an archive holds, README first. */
export function exportFileNames(): string[] {
  return ['README.txt', ...DATA_MAP.map((c) => `${c.key}.json`), USAGE_CSV_FILE];
}

