import type { MikroORM } from '@mikro-orm/core';
import type { Em } from '../../db/orm.js';
import { tableLocations } from './data-map.js';
import type { TableLocation } from './data-map.types.js';

/** One foreign key of the database: `table.column` references `references(id…)`. */
export interface ForeignKey {
  table: string;
  column: string;
  references: string;
  deleteRule: string;
}

/**
 * The partitions of partitioned tables (usage_event's months): they are their parent
 * table's rows, mapped once as the parent.
 */
async function readPartitions(em: Em): Promise<Set<string>> {
  const rows = await em.execute<{ name: string }[]>(
    `select c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relispartition and n.nspname = current_schema()`,
  );
  return new Set(rows.map((r) => r.name));
}

/** Every foreign key of the current schema (partitions left out), from information_schema. */
export async function readForeignKeys(em: Em): Promise<ForeignKey[]> {
  const partitions = await readPartitions(em);
  const rows = await em.execute<{ table_name: string; column_name: string; referenced: string; delete_rule: string }[]>(
    `select k.table_name::text as table_name, k.column_name::text as column_name, u.table_name::text as referenced, r.delete_rule::text as delete_rule
       from information_schema.referential_constraints r
       join information_schema.key_column_usage k on k.constraint_name = r.constraint_name and k.constraint_schema = r.constraint_schema
       join information_schema.constraint_column_usage u on u.constraint_name = r.unique_constraint_name and u.constraint_schema = r.unique_constraint_schema
      where r.constraint_schema = current_schema()`,
  );
  return rows
    .filter((r) => !partitions.has(r.table_name))
    .map((r) => ({ table: r.table_name, column: r.column_name, references: r.referenced, deleteRule: r.delete_rule }));
}

/**
 * The tables that hold data of an account: `account`, every table with an
 * `account_id` column, and every table with a foreign key into one of those, followed
 * to the end (an export's download links hold the export's id, not the account's).
 */
export async function tablesHoldingAccountData(em: Em): Promise<Set<string>> {
  const keys = await readForeignKeys(em);
  const withAccountId = await em.execute<{ table_name: string }[]>(
    `select table_name::text as table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'account_id'`,
  );
  const partitions = await readPartitions(em);
  const found = new Set<string>(['account', ...withAccountId.map((r) => r.table_name).filter((t) => !partitions.has(t))]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const key of keys) {
      if (found.has(key.references) && !found.has(key.table)) {
        found.add(key.table);
        grew = true;
      }
    }
  }
  return found;
}

/** The entities whose relations lead to Account, directly or through other such entities. */
export function entitiesHoldingAccountData(orm: MikroORM): Map<string, string> {
  const metas = [...orm.getMetadata().getAll().values()];
  const found = new Map<string, string>(); // class name → table name
  const account = metas.find((m) => m.className === 'Account');
  if (account) found.set(account.className, account.tableName);
  for (let grew = true; grew; ) {
    grew = false;
    for (const meta of metas) {
      if (found.has(meta.className)) continue;
      const related = Object.values(meta.properties).some((p) => (p.kind === 'm:1' || p.kind === '1:1') && found.has(p.type));
      if (related) {
        found.set(meta.className, meta.tableName);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * What the data map misses or gets wrong about the database, as sentences; empty
 * when it is complete. The guarantee behind "a new table can never be forgotten":
 * a test runs this against the migrated database.
 */
export async function auditDataMap(em: Em, orm: MikroORM): Promise<string[]> {
  const problems: string[] = [];
  const locations = new Map<string, TableLocation>(tableLocations().map(({ location }) => [location.table, location]));
  for (const table of await tablesHoldingAccountData(em)) {
    if (!locations.has(table)) problems.push(`table ${table} holds account data but is not in the data map`);
  }
  for (const [entity, table] of entitiesHoldingAccountData(orm)) {
    if (!locations.has(table)) problems.push(`entity ${entity} (table ${table}) relates to Account but is not in the data map`);
  }
  const columns = await em.execute<{ table_name: string; column_name: string }[]>(
    `select table_name::text as table_name, column_name::text as column_name from information_schema.columns where table_schema = current_schema()`,
  );
  const actual = new Map<string, Set<string>>();
  for (const c of columns) actual.set(c.table_name, (actual.get(c.table_name) ?? new Set()).add(c.column_name));
  for (const [table, location] of locations) {
    const present = actual.get(table);
    if (!present) {
      problems.push(`the data map lists table ${table}, which does not exist`);
      continue;
    }
    for (const column of present) if (!(column in location.columns)) problems.push(`column ${table}.${column} is not classified in the data map`);
    for (const column of Object.keys(location.columns)) if (!present.has(column)) problems.push(`the data map lists ${table}.${column}, which does not exist`);
  }
  for (const key of await readForeignKeys(em)) {
    if (key.references !== 'account') continue;
    const owner = locations.get(key.table)?.owner;
    if (owner && !('columns' in owner && owner.columns.includes(key.column))) {
      problems.push(`${key.table}.${key.column} references an account but is not an owner column: that person would not see the row`);
    }
  }
  return problems;
}
