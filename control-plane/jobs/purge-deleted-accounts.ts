import { purgeDeletedAccounts } from '../modules/deletion/purge.service.js';
import type { Job } from './index.js';

const EVERY_MS = 10 * 60_000;

/**
 * Erases the accounts whose deletion is due (ACCOUNT_PURGE_AFTER_DAYS, at most 30).
 * It purges one period early, so that no account outlives its deadline by waiting
 * for the next run.
 */
export const purgeDeletedAccountsJob: Job = {
  name: 'purge-deleted-accounts',
  everyMs: EVERY_MS,
  async run({ db, config, logger }) {
    const purged = await purgeDeletedAccounts(db.fork(), { purgeAfterMs: config.accountRights.purgeAfterMs, leadMs: EVERY_MS, logger });
    if (purged.length > 0) logger.info({ job: 'purge-deleted-accounts', accounts: purged.length }, 'purged deleted accounts');
    // Counts only: the run is recorded for admins to see, and ids of erased accounts have no business there.
    return { accountsPurged: purged.length };
  },
};
