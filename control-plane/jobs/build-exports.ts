import { buildPendingExports } from '../modules/privacy/data-export.service.js';
import type { Job } from './index.js';

/** Builds the data exports owners asked for (privacy policy §6 "Export") and notifies them. */
export const buildExportsJob: Job = {
  name: 'build-exports',
  everyMs: 15_000,
  async run({ db, config, logger }) {
    const built = await buildPendingExports(() => db.fork(), { expiryMs: config.privacy.exportExpiryMs, logger });
    if (built.length > 0) logger.info({ job: 'build-exports', exports: built.length }, 'data exports built');
    return built;
  },
};
