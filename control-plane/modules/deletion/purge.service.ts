import type { Logger } from '../../../shared/logger.js';
import type { Em } from '../../db/orm.js';
import { announceAccountKeys } from '../account-state/account-access.js';
import { DeletionAction, tableLocations, type TableLocation } from '../privacy/data-map.js';

/*
 * The purge is driven by the data map (privacy/data-map.ts): what a table's entry says
 * deletion does to it is what the purge does. DELETE rows are erased with the account;
 * PSEUDONYMISE rows are kept — usage records as billing evidence, price versions an
 * admin set — with the columns their entry lists cleared, the link to the account
 * among them. A billing table, when it comes, gets an entry saying PSEUDONYMISE and the
 * columns that identify the person (account, name, email, IP); the purge then keeps its
 * rows for the legal period without them, with no change here.
 */

/** One statement of the purge: the rows of `table` that belong to the account, and what happens to them. */
export interface PurgeStep {
  table: string;
  action: typeof DeletionAction.DELETE | typeof DeletionAction.PSEUDONYMISE;
  /** A condition on the table's rows with one `?` for the account id. */
  belongsTo: string;
  /** Whether `belongsTo` is a plain column of the row (big tables are then pseudonymised in chunks). */
  direct: boolean;
  /** PSEUDONYMISE: the columns set to null — the link to the account always among them. */
  clears: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** Rows per UPDATE before the final transaction, so a heavy account never holds one huge transaction. */
const CHUNK_ROWS = 5_000;
/** Accounts per run; the next run takes the rest. */
const ACCOUNTS_PER_RUN = 100;

/**
 * The purge plan from the data map, in the order it must run: pseudonymisation first,
 * then deletions of tables owned through a parent, then of directly owned tables, the
 * account row last. A row that names the account in several owner columns (an audit
 * entry: the admin and the target) has each such link handled on its own: a
 * pseudonymised row loses the column that names this account, not the other person's,
 * and the entry's other listed columns (IP, user agent) with it. Throws on anything
 * but a plain identifier, which would be spliced into SQL (a bug in the map).
 */
export function purgePlan(locations: readonly TableLocation[] = tableLocations().map((t) => t.location)): PurgeStep[] {
  const steps: PurgeStep[] = [];
  for (const location of locations) {
    const { action } = location.deletion;
    // KEEP rows stay as they are (the audit trail); their link column goes by its SET NULL key with the account row.
    if (action === DeletionAction.NOT_LINKED || action === DeletionAction.KEEP || !location.owner) continue;
    const owner = location.owner;
    const links = 'parent' in owner ? [owner.column] : owner.columns;
    const listed = action === DeletionAction.PSEUDONYMISE ? (location.deletion.clears ?? []) : [];
    const names = [location.table, ...links, ...listed, ...('parent' in owner ? [owner.parent.table, owner.parent.key, owner.parent.owner] : [])];
    const bad = names.find((n) => !IDENTIFIER.test(n));
    if (bad !== undefined) throw new Error(`data map entry ${location.table}: not a plain identifier: ${bad}`);
    const others = listed.filter((c) => !links.includes(c));
    for (const link of links) {
      steps.push({
        table: location.table,
        action,
        belongsTo:
          'parent' in owner
            ? `"${link}" in (select "${owner.parent.key}" from "${owner.parent.table}" where "${owner.parent.owner}" = ?)`
            : `"${link}" = ?`,
        direct: !('parent' in owner),
        clears: action === DeletionAction.PSEUDONYMISE ? [link, ...others] : [],
      });
    }
  }
  if (!steps.some((t) => t.table === 'account' && t.action === DeletionAction.DELETE)) throw new Error('data map: the account table must be DELETE');
  const rank = (t: PurgeStep) => (t.action === DeletionAction.PSEUDONYMISE ? 0 : t.table === 'account' ? 3 : t.direct ? 2 : 1);
  return steps.sort((a, b) => rank(a) - rank(b));
}

export interface PurgeOptions {
  /** ACCOUNT_PURGE_AFTER_DAYS in ms. */
  purgeAfterMs: number;
  /**
   * Purge this much early. The job passes its own period, so that an account due
   * between two runs is taken by the run before its deadline, never the one after.
   */
  leadMs?: number;
  now?: Date;
  plan?: readonly PurgeStep[];
  logger?: Logger;
}

/**
 * Erases every account whose deletion was requested at least `purgeAfterMs` ago, as
 * the data map says. Idempotent and safe on two instances at once: each account is
 * erased in one transaction holding its row lock, and an instance skips an account
 * another one holds. Returns the ids of the accounts this run erased.
 */
export async function purgeDeletedAccounts(em: Em, options: PurgeOptions): Promise<string[]> {
  const plan = options.plan ?? purgePlan();
  const dueBefore = new Date((options.now ?? new Date()).getTime() + (options.leadMs ?? 0) - options.purgeAfterMs);
  const due = await em.execute<{ id: string }[]>(
    'select id from account where deletion_requested_at <= ? order by deletion_requested_at limit ?',
    [dueBefore.toISOString(), ACCOUNTS_PER_RUN],
  );
  const purged: string[] = [];
  for (const { id } of due) {
    try {
      for (const step of plan) if (step.action === DeletionAction.PSEUDONYMISE && step.direct) await pseudonymiseInChunks(em, step, id);
      if (await eraseAccount(em, id, dueBefore, plan)) purged.push(id);
    } catch (err) {
      // One account that cannot be erased must not stop the others; the next run retries it.
      options.logger?.error({ err, accountId: id }, 'could not purge a deleted account');
    }
  }
  return purged;
}

/** The bulk of a pseudonymisation, in small committed chunks; repeating it is harmless. */
async function pseudonymiseInChunks(em: Em, target: PurgeStep, accountId: string): Promise<void> {
  // (tableoid, ctid) names a row physically, also in a partitioned table, without knowing its key.
  const sql = `update "${target.table}" set ${assignments(target)}
    where (tableoid, ctid) in (select tableoid, ctid from "${target.table}" where ${target.belongsTo} limit ${CHUNK_ROWS})`;
  for (;;) {
    const result = await em.execute(sql, [accountId], 'run');
    if (affected(result) < CHUNK_ROWS) return;
  }
}

/** All or nothing: the rows written meanwhile, the data-plane caches, every deletion, the account row. */
async function eraseAccount(em: Em, accountId: string, dueBefore: Date, plan: readonly PurgeStep[]): Promise<boolean> {
  return em.transactional(async (tx) => {
    // SKIP LOCKED: another instance erasing this account right now is left to it.
    const locked = await tx.execute<{ id: string }[]>(
      'select id from account where id = ? and deletion_requested_at <= ? for update skip locked',
      [accountId, dueBefore.toISOString()],
    );
    if (locked.length === 0) return false;
    // The keys are refused already; this drops them from the data-plane caches (sent at commit).
    await announceAccountKeys(tx, accountId);
    for (const target of plan) {
      const sql =
        target.action === DeletionAction.PSEUDONYMISE
          ? `update "${target.table}" set ${assignments(target)} where ${target.belongsTo}`
          : `delete from "${target.table}" where ${target.belongsTo}`;
      await tx.execute(sql, [accountId]);
    }
    return true;
  });
}

function assignments(target: PurgeStep): string {
  return target.clears.map((c) => `"${c}" = null`).join(', ');
}

function affected(result: unknown): number {
  const rows = (result as { affectedRows?: number } | undefined)?.affectedRows;
  return typeof rows === 'number' ? rows : 0;
}
