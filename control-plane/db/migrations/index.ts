import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001AccountsSessions } from './0001-accounts-sessions.js';
import { Migration0002ApiKeysUsage } from './0002-api-keys-usage.js';
import { Migration0004Notifications } from './0004-notifications.js';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list runs
 * from TypeScript under vitest and from compiled JavaScript in production.
 */
export const migrationsList: MigrationObject[] = [
  { name: '0001-accounts-sessions', class: Migration0001AccountsSessions },
  { name: '0002-api-keys-usage', class: Migration0002ApiKeysUsage },
  { name: '0004-notifications', class: Migration0004Notifications },
];
