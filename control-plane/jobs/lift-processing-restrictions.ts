import { liftDueRestrictions } from '../modules/restriction/restriction.service.js';
import type { Job } from './index.js';

/** Applies admins' lifts of processing restrictions once their notice period has passed. */
export const liftProcessingRestrictionsJob: Job = {
  name: 'lift-processing-restrictions',
  everyMs: 10 * 60_000,
  run: ({ db }) => liftDueRestrictions(db.fork()),
};
