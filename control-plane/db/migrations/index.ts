import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001AccountsSessions } from './0001-accounts-sessions.js';
import { Migration0002ApiKeysUsage } from './0002-api-keys-usage.js';
import { Migration0003CataloguePrices } from './0003-catalogue-prices.js';
import { Migration0004Notifications } from './0004-notifications.js';
import { Migration0005NotificationDeliveryPolicyVersions } from './0005-notification-delivery-policy-versions.js';
import { Migration0006PrivacyAccessCorrectionExport } from './0006-privacy-access-correction-export.js';
import { Migration0007AccountRights } from './0007-account-rights.js';
import { Migration0008RetentionAudit } from './0008-retention-audit.js';
import { Migration0009UpstreamCredentials } from './0009-upstream-credentials.js';
import { Migration0010OneHourCacheWrites } from './0010-one-hour-cache-writes.js';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list runs
 * from TypeScript under vitest and from compiled JavaScript in production.
 */
export const migrationsList: MigrationObject[] = [
  { name: '0001-accounts-sessions', class: Migration0001AccountsSessions },
  { name: '0002-api-keys-usage', class: Migration0002ApiKeysUsage },
  { name: '0003-catalogue-prices', class: Migration0003CataloguePrices },
  { name: '0004-notifications', class: Migration0004Notifications },
  { name: '0005-notification-delivery-policy-versions', class: Migration0005NotificationDeliveryPolicyVersions },
  { name: '0006-privacy-access-correction-export', class: Migration0006PrivacyAccessCorrectionExport },
  { name: '0007-account-rights', class: Migration0007AccountRights },
  { name: '0008-retention-audit', class: Migration0008RetentionAudit },
  { name: '0009-upstream-credentials', class: Migration0009UpstreamCredentials },
  { name: '0010-one-hour-cache-writes', class: Migration0010OneHourCacheWrites },
];
