import { announcePendingPolicyVersions } from '../modules/policy/policy-announce.js';
import type { Job } from './index.js';

/**
 * Finishes any policy-version announcement left half-way (an instance stopped while
 * announcing). Publishing starts the announcement at once; this is the backstop.
 */
export const announcePolicyJob: Job = {
  name: 'announce-policy',
  everyMs: 60_000,
  run: ({ db, logger }) => announcePendingPolicyVersions(db, logger.child({ job: 'announce-policy' })),
};
