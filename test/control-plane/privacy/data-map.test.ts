import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgePlan } from '../../../control-plane/modules/deletion/purge.service.js';
import {
  auditDataMap,
  entitiesHoldingAccountData,
  readForeignKeys,
  tablesHoldingAccountData,
} from '../../../control-plane/modules/privacy/data-map.audit.js';
import { DATA_MAP, DeletionAction, Purpose, RetentionRule, tableLocations, Treatment } from '../../../control-plane/modules/privacy/data-map.js';
import { loadFirstPolicyText } from '../../../control-plane/modules/policy/policy-seed.js';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp?.stop());

const EXPORT_OR_DELETE = '§5 "You may request export or deletion of your data at any time"';

describe('the data map', () => {
  it(`${EXPORT_OR_DELETE} — every table that references an account (information_schema: foreign keys into account, account_id columns, and tables referencing those) is in the data map, with every column classified`, async () => {
    const em = cp.db.fork();
    const holding = await tablesHoldingAccountData(em);
    // The check sees what it must: direct references, account_id columns and chains of keys.
    expect([...holding]).toEqual(expect.arrayContaining(['account', 'session', 'usage_event', 'price_version', 'data_export', 'data_export_link']));
    expect(await auditDataMap(em, cp.db.orm)).toEqual([]);
  });

  it(`${EXPORT_OR_DELETE} — MikroORM's metadata agrees: every entity with a relation to Account (directly or through another) is in the data map`, () => {
    const entities = entitiesHoldingAccountData(cp.db.orm);
    expect([...entities.keys()]).toEqual(expect.arrayContaining(['Account', 'Session', 'ApiKey', 'Notification', 'OutboxEmail', 'EmailChange', 'DataExport', 'DataExportLink']));
    const mapped = new Set(tableLocations().map(({ location }) => location.table));
    expect([...entities.values()].filter((table) => !mapped.has(table))).toEqual([]);
  });

  it('a forgotten table, a table referencing it, and an unclassified column each make the check fail (so a new table can never be forgotten)', async () => {
    const em = cp.db.fork();
    await em.execute(`create table "forgotten_note" ("id" uuid primary key, "author" uuid references "account" ("id"))`);
    await em.execute(`create table "forgotten_reply" ("id" uuid primary key, "note_id" uuid references "forgotten_note" ("id"))`);
    await em.execute(`create table "forgotten_tag" ("id" uuid primary key, "account_id" uuid)`);
    await em.execute(`alter table "session" add column "device_name" text`);
    try {
      const problems = await auditDataMap(em, cp.db.orm);
      expect(problems).toEqual(
        expect.arrayContaining([
          'table forgotten_note holds account data but is not in the data map',
          'table forgotten_reply holds account data but is not in the data map',
          'table forgotten_tag holds account data but is not in the data map',
          'column session.device_name is not classified in the data map',
        ]),
      );
    } finally {
      for (const sql of ['drop table "forgotten_reply"', 'drop table "forgotten_note"', 'drop table "forgotten_tag"', 'alter table "session" drop column "device_name"']) {
        await em.execute(sql);
      }
    }
    expect(await auditDataMap(em, cp.db.orm)).toEqual([]);
  });

  it(`${EXPORT_OR_DELETE} — what the map says deletion does agrees with the database: DELETE rows cascade with the account, PSEUDONYMISE rows lose every identifying column, KEEP rows outlive the account`, async () => {
    const keys = await readForeignKeys(cp.db.fork());
    const keyOf = (table: string, column: string) => keys.find((k) => k.table === table && k.column === column);
    for (const { location } of tableLocations()) {
      const owner = location.owner;
      const action = location.deletion.action;
      if (!owner) {
        expect(action, location.table).toBe(DeletionAction.NOT_LINKED);
        continue;
      }
      const links = 'columns' in owner ? owner.columns.filter((c) => c !== 'id') : [owner.column];
      for (const link of links) {
        // Whatever path deletes an account row, a DELETE row goes with it and a kept row never blocks it.
        const rule = keyOf(location.table, link)?.deleteRule;
        expect(rule, `${location.table}.${link}`).toBe(action === DeletionAction.DELETE ? 'CASCADE' : 'SET NULL');
      }
      if (action === DeletionAction.PSEUDONYMISE) {
        const clears = new Set(location.deletion.clears ?? []);
        const identifying = Object.entries(location.columns).filter(([, spec]) => spec.personal && spec.treatment !== Treatment.SECRET).map(([name]) => name);
        for (const column of identifying) expect(clears.has(column), `${location.table}.${column} is cleared`).toBe(true);
      }
    }
    // The purge runs the map: a step for every table but the kept and the unlinked ones.
    const stepped = new Set(purgePlan().map((step) => step.table));
    for (const { location } of tableLocations()) {
      const purged = location.owner !== null && location.deletion.action !== DeletionAction.KEEP && location.deletion.action !== DeletionAction.NOT_LINKED;
      expect(stepped.has(location.table), location.table).toBe(purged);
    }
  });

  it('every category quotes its purposes from policy §2 and its retention from policy §5, and names its export file plainly', () => {
    const purposes = new Set<string>(Object.values(Purpose));
    const rules = new Set<string>(Object.values(RetentionRule));
    const keys = DATA_MAP.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const category of DATA_MAP) {
      expect(category.key).toMatch(/^[a-z][a-z-]*$/);
      expect(category.purposes.length, category.key).toBeGreaterThan(0);
      for (const purpose of category.purposes) expect(purposes.has(purpose)).toBe(true);
      expect(rules.has(category.retention.rule)).toBe(true);
      expect(category.locations.length).toBeGreaterThan(0);
    }
    const tables = tableLocations().map(({ location }) => location.table);
    expect(new Set(tables).size).toBe(tables.length);
    // The map names what is not held too: billing records, and the server logs.
    expect(DATA_MAP.find((c) => c.key === 'billing-records')?.locations).toEqual([expect.objectContaining({ kind: 'NOT_HELD' })]);
    expect(DATA_MAP.find((c) => c.key === 'server-logs')?.locations).toEqual([expect.objectContaining({ kind: 'SERVER_LOGS' })]);
  });

  it('its purposes, retention rules and policy references are quoted word for word from the published policy', () => {
    const policy = loadFirstPolicyText();
    const quotes = [...Object.values(Purpose), ...Object.values(RetentionRule), ...DATA_MAP.map((c) => c.policy)];
    for (const quote of quotes) expect(policy, quote).toContain(quote);
  });

  it('every column that looks like a secret (hash, token, password, secret) is classified SECRET, so it is never shown or exported', () => {
    for (const { location } of tableLocations()) {
      for (const [name, spec] of Object.entries(location.columns)) {
        if (/(^|_)(hash|token|password|secret)(_|$)/.test(name)) expect(spec.treatment, `${location.table}.${name}`).toBe(Treatment.SECRET);
      }
    }
  });
});
