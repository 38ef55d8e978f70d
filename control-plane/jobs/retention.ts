import { runRetention } from '../modules/retention/retention.service.js';
import type { Job } from './index.js';

/**
 * Removes usage records, security events, sessions, audit entries and job runs older
 * than RETENTION_MONTHS (policy §5: at most 12), and keeps a partition ready for this
 * month and the next. Hourly, so that a record outlives the limit by an hour at most.
 */
export const retentionJob: Job = {
  name: 'retention',
  everyMs: 60 * 60_000,
  run: ({ db, config }) => runRetention(db.fork(), { retentionMonths: config.retention.months, now: new Date() }),
};
