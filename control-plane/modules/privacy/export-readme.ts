import { DATA_MAP, locationLabel, Treatment, type DataCategory } from './data-map.js';
import { usageEventTable } from './data-map.tables.js';
import { shownColumns } from './personal-records.js';
import type { ArchiveSubject } from './export-archive.js';

/** The CSV copy of the usage records. */
export const USAGE_CSV_FILE = 'usage-records.csv';

/** The fields of every category file, before its records. */
const FILE_FIELDS: [string, string][] = [
  ['category', 'The key of the kind of data (also the file name).'],
  ['name', 'The name of the kind of data.'],
  ['description', 'What it is.'],
  ['policy', 'Where the privacy policy speaks of it, quoted.'],
  ['purposes', 'Why TokenByte holds it: purposes of the privacy policy §2, quoted.'],
  ['retention.rule', 'The retention rule of the privacy policy §5 that applies, quoted.'],
  ['retention.detail', 'How long it is kept, concretely.'],
  ['onExport', 'What an export writes of it.'],
  ['onDeletion.action', 'What deleting the account does to it: DELETE, PSEUDONYMISE (kept without anything that identifies you) or NOT_LINKED (tied to no account).'],
  ['onDeletion.detail', 'Deletion in detail.'],
  ['onRestriction', 'What a restriction of processing changes for it.'],
  ['locations[].name', 'Where it lives: a table of the database, "server logs (stdout)" or "not held".'],
  ['locations[].kind', 'TABLE, SERVER_LOGS or NOT_HELD.'],
  ['locations[].note', 'Which records follow, or why there are none.'],
  ['locations[].records[]', 'Your records there, one JSON object each, with the fields listed below.'],
];

/**
 * The archive's README.txt: what the archive is, its conventions, and every file and
 * field, generated from the data map so that it can never miss one.
 */
export function exportReadme(subject: ArchiveSubject): string {
  const lines: string[] = [
    'TokenByte data export',
    '=====================',
    '',
    `Account:   ${subject.username} (id ${subject.accountId})`,
    `Export:    ${subject.exportId}`,
    `Requested: ${subject.createdAt.toISOString()}`,
    '',
    'This archive is a machine-readable copy of all the personal data TokenByte holds about your',
    'account (privacy policy §6, "Export: Obtain a machine-readable copy of your data"): one JSON file',
    'per kind of data, and your usage records also as CSV.',
    '',
    'Conventions',
    '-----------',
    '- Text is UTF-8. JSON files are single objects; the CSV file follows RFC 4180 with a header row.',
    '- Instants are ISO 8601 in UTC with microseconds, e.g. 2026-01-31T23:59:59.123456Z.',
    '- 64-bit integers (token counts, costs, prices) are decimal strings: JSON numbers cannot hold them exactly.',
    '- null (JSON) or an empty cell (CSV) means "no value".',
    '- In the CSV, text that starts with =, +, - or @ gets a leading apostrophe, so that no spreadsheet runs it.',
    '- Never included: your password or its hash, session tokens or their hashes, API keys or their',
    '  hashes, one-time codes (email verification) or their hashes, download-link tokens or their hashes.',
    '  One-time codes in the text of emails are replaced by "[one-time code removed]".',
    '',
    'Files',
    '-----',
    '',
    'README.txt',
    '  This file.',
    '',
  ];
  for (const category of DATA_MAP) lines.push(...describeCategory(category));
  lines.push(
    USAGE_CSV_FILE,
    `  Usage records as CSV: one line per record, oldest first, with the same fields as the records of`,
    `  usage-records.json (in this column order): ${shownColumns(usageEventTable).join(', ')}.`,
    '',
    'Every JSON file has these fields:',
    ...FILE_FIELDS.map(([field, text]) => `  ${field} — ${text}`),
    '',
    'Questions: support@tokenbyte.ai',
    '',
  );
  return lines.join('\n');
}

function describeCategory(category: DataCategory): string[] {
  const lines = [`${category.key}.json — ${category.name}`, `  ${category.description}`, '  Why (privacy policy §2):'];
  lines.push(...category.purposes.map((p) => `    - ${p}`));
  lines.push(`  Kept: ${category.retention.rule} ${category.retention.detail}`);
  lines.push(`  Deletion (${category.deletion.action}): ${category.deletion.detail}`);
  lines.push(`  Restriction of processing: ${category.restriction}`);
  for (const location of category.locations) {
    lines.push(`  Location "${locationLabel(location)}":`);
    if (location.kind !== 'TABLE') {
      lines.push(`    ${location.description} No records.`);
      continue;
    }
    const shown = Object.entries(location.columns).filter(([, spec]) => spec.treatment === Treatment.SHOWN);
    if (!location.owner || shown.length === 0) {
      lines.push(`    No records: ${location.owner ? 'copies of data in the other files' : 'these rows are tied to no account'}.`);
      continue;
    }
    lines.push('    Fields of each record:');
    lines.push(...shown.map(([name, spec]) => `      ${name} — ${spec.description}`));
  }
  lines.push('');
  return lines;
}
