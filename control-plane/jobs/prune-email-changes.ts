import { pruneEmailChanges } from '../modules/privacy/correction.service.js';
import type { Job } from './index.js';

/** Forgets new email addresses whose verification code expired unused. */
export const pruneEmailChangesJob: Job = {
  name: 'prune-email-changes',
  everyMs: 15 * 60_000,
  run: ({ db }) => pruneEmailChanges(db.fork()),
};
