import type { Em } from '../../db/orm.js';
import { Treatment, type TableLocation } from './data-map.types.js';
import { redactOneTimeTokens } from './one-time-token.js';

/*
 * Reads an account's rows of any table of the data map, in SQL built from the map
 * (never from input): only the columns the map marks SHOWN are ever selected, so a
 * hash or token cannot reach a report or an export by accident. Values come back in
 * one shape on both drivers: instants as ISO 8601 UTC text with microseconds,
 * 64-bit integers and decimals as decimal strings (JSON has no 64-bit integers).
 */

/** One record as the report and the export show it: column name → JSON value. */
export type PersonalRecord = Record<string, unknown>;

/** Column name → PostgreSQL data type, per table, from information_schema. */
export type ColumnTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
// Types the drivers already return as plain JSON values; everything else is cast to text.
const NATIVE = new Set(['text', 'character varying', 'character', 'boolean', 'integer', 'smallint', 'ARRAY', 'json', 'jsonb']);

/** Reads the column types of every table in the current schema (one query). */
export async function readColumnTypes(em: Em): Promise<ColumnTypes> {
  const rows = await em.execute<{ table_name: string; column_name: string; data_type: string }[]>(
    `select table_name::text as table_name, column_name::text as column_name, data_type::text as data_type
       from information_schema.columns where table_schema = current_schema()`,
  );
  const types = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const table = types.get(row.table_name) ?? new Map<string, string>();
    table.set(row.column_name, row.data_type);
    types.set(row.table_name, table);
  }
  return types;
}

/** The SHOWN columns of a location, in the map's order. */
export function shownColumns(location: TableLocation): string[] {
  return Object.entries(location.columns)
    .filter(([, spec]) => spec.treatment === Treatment.SHOWN)
    .map(([name]) => name);
}

function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new Error(`data map: not a plain identifier: ${identifier}`);
  return `"${identifier}"`;
}

function expression(column: string, type: string | undefined): string {
  const ref = `t.${quote(column)}`;
  if (type === 'timestamp with time zone') return `to_char(${ref} at time zone 'UTC', ${UTC_MICROS})`;
  if (type === 'timestamp without time zone') return `to_char(${ref}, ${UTC_MICROS})`;
  return type && NATIVE.has(type) ? ref : `${ref}::text`;
}

/** The SQL condition "row t belongs to the account given as the next parameter". */
function ownerCondition(location: TableLocation): string {
  const owner = location.owner;
  if (!owner) return 'false';
  if (!('parent' in owner)) return `?::uuid in (${owner.columns.map((c) => `t.${quote(c)}`).join(', ')})`;
  const { table, key, owner: parentOwner } = owner.parent;
  return `t.${quote(owner.column)} in (select p.${quote(key)} from ${quote(table)} p where p.${quote(parentOwner)} = ?::uuid)`;
}

function typesOf(types: ColumnTypes, location: TableLocation): ReadonlyMap<string, string> {
  const table = types.get(location.table);
  if (!table) throw new Error(`data map: table ${location.table} does not exist`);
  return table;
}

/** How many rows of this location belong to the account. */
export async function countRecords(em: Em, location: TableLocation, accountId: string): Promise<number> {
  if (!location.owner) return 0;
  const [row] = await em.execute<{ n: string | number }[]>(
    `select count(*)::text as n from ${quote(location.table)} t where ${ownerCondition(location)}`,
    [accountId],
  );
  return Number(row?.n ?? 0);
}

export interface ReadOptions {
  limit: number;
  /** Newest first (the report) or oldest first (the export, which pages with `after`). */
  order: 'asc' | 'desc';
  /** The `cursor` of the last record of the previous page. */
  after?: readonly string[] | null;
}

/** A page of the account's records, each with the keyset cursor of its position. */
export async function readRecords(
  em: Em,
  types: ColumnTypes,
  location: TableLocation,
  accountId: string,
  options: ReadOptions,
): Promise<{ record: PersonalRecord; cursor: string[] }[]> {
  if (!location.owner) return [];
  const columnTypes = typesOf(types, location);
  const shown = shownColumns(location);
  const select = shown.map((c) => `${expression(c, columnTypes.get(c))} as ${quote(c)}`);
  const keys = location.orderKey.map((c, i) => `t.${quote(c)}::text as "__key${i}"`);
  const params: unknown[] = [accountId];
  let where = ownerCondition(location);
  if (options.after) {
    const casts = location.orderKey.map((c) => `cast(? as ${columnTypes.get(c) ?? 'text'})`);
    const tuple = location.orderKey.map((c) => `t.${quote(c)}`);
    where += ` and (${tuple.join(', ')}) ${options.order === 'asc' ? '>' : '<'} (${casts.join(', ')})`;
    params.push(...options.after);
  }
  const orderBy = location.orderKey.map((c) => `t.${quote(c)} ${options.order}`).join(', ');
  const sql = `select ${[...select, ...keys].join(', ')} from ${quote(location.table)} t where ${where} order by ${orderBy} limit ?`;
  const rows = await em.execute<Record<string, unknown>[]>(sql, [...params, options.limit]);
  return rows.map((row) => ({
    record: Object.fromEntries(shown.map((c) => [c, plain(row[c])])),
    cursor: location.orderKey.map((_, i) => String(row[`__key${i}`])),
  }));
}

/** Every record of the account in this location, oldest first, a page at a time. */
export async function* allRecords(em: Em, types: ColumnTypes, location: TableLocation, accountId: string, pageSize = 2_000): AsyncGenerator<PersonalRecord> {
  let after: string[] | null = null;
  for (;;) {
    const page = await readRecords(em, types, location, accountId, { limit: pageSize, order: 'asc', after });
    for (const row of page) yield row.record;
    if (page.length < pageSize) return;
    after = page.at(-1)!.cursor;
  }
}

/** A value as JSON shows it; one-time codes never leave in any text. */
function plain(value: unknown): unknown {
  if (typeof value === 'string') return redactOneTimeTokens(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  return value ?? null;
}

/** Usage totals per UTC month, provider and model: what the privacy report shows of usage records. */
export async function usageTotals(em: Em, accountId: string): Promise<PersonalRecord[]> {
  const month = `date_trunc('month', created_at at time zone 'UTC')`;
  const rows = await em.execute<Record<string, unknown>[]>(
    `select to_char(${month}, 'YYYY-MM') as month, provider, model, count(*)::text as requests,
        sum(input_tokens)::text as input_tokens, sum(output_tokens)::text as output_tokens, sum(cost_picousd)::text as cost_picousd
      from usage_event where account_id = ?::uuid
      group by ${month}, provider, model order by ${month} desc, provider, model limit 1000`,
    [accountId],
  );
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
}
