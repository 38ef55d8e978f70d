import { deliverPendingEmails } from '../modules/notification/email-delivery.js';
import type { Job } from './index.js';

/**
 * Sends the outbox over SMTP when SMTP_URL is set; otherwise the emails stay in the
 * outbox. Short interval: security alerts should arrive while they still matter.
 */
export const deliverEmailJob: Job = {
  name: 'deliver-email',
  everyMs: 5_000,
  run: ({ db, config, logger }) => deliverPendingEmails(db.fork(), config.email, logger.child({ job: 'deliver-email' })),
};
