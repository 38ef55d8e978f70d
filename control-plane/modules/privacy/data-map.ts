import * as tables from './data-map.tables.js';
import { DeletionAction, Purpose, RetentionRule, type DataCategory, type TableLocation } from './data-map.types.js';

export * from './data-map.types.js';

const PURGE = 'Erased by the purge job within 30 days of a deletion request (ACCOUNT_PURGE_AFTER_DAYS, at most 30).';
const CONTINUES = 'Unchanged: this is service and security processing, which a restriction does not stop.';

/**
 * The data map: every kind of personal data TokenByte holds, where it lives, why
 * (policy §2), for how long (policy §5), and what export, deletion and restriction do
 * to it. The privacy report and the export are generated from it; a test fails when a
 * table that references an account, or a column of a listed table, is missing here.
 */
export const DATA_MAP: readonly DataCategory[] = [
  {
    key: 'account',
    name: 'Account information',
    description: 'Your username, email address, role and the state of your account; the password only as a hash.',
    policy: 'Account Information: Username, email address, and password (stored encrypted) provided during registration.',
    locations: [tables.accountTable],
    purposes: [Purpose.SERVICE, Purpose.NOTIFICATIONS, Purpose.SECURITY, Purpose.LEGAL],
    retention: { rule: RetentionRule.PURGED_AFTER_DELETION, detail: `Kept while the account exists. ${PURGE}` },
    export: 'account.json: every field except the password hash and the lower-cased copies.',
    deletion: { action: DeletionAction.DELETE, detail: `Logging in stops at once. ${PURGE}` },
    restriction: 'The restriction is recorded here; running the account continues (service processing).',
    report: 'RECORDS',
  },
  {
    key: 'email-changes',
    name: 'Email address changes waiting for verification',
    description: 'A new email address you asked for, until you confirm it with the code we mailed to it.',
    policy: 'Account Information: Username, email address, and password (stored encrypted) provided during registration.',
    locations: [tables.emailChangeTable],
    purposes: [Purpose.SERVICE, Purpose.SECURITY],
    retention: {
      rule: RetentionRule.AS_LONG_AS_NEEDED,
      detail: 'Deleted when the new address is confirmed, when a newer change replaces it, or when its code expires after 24 hours (prune-email-changes job).',
    },
    export: 'email-changes.json: the new address and its times, never the code or its hash.',
    deletion: { action: DeletionAction.DELETE, detail: PURGE },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'sessions',
    name: 'Sessions',
    description: 'Each login: when it started and was last used, when it ends, its IP address and user agent.',
    policy: 'Technical Information: IP addresses, browser type, device information, and access logs for security protection and service stability.',
    locations: [tables.sessionTable],
    purposes: [Purpose.SERVICE, Purpose.SECURITY],
    retention: { rule: RetentionRule.TWELVE_MONTHS, detail: 'Access logs: removed 12 months after the login by the retention job; erased earlier with the account.' },
    export: 'sessions.json: every session, never its token or the token\'s hash.',
    deletion: { action: DeletionAction.DELETE, detail: `Every session ends at once. ${PURGE}` },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'security-events',
    name: 'Security events',
    description: 'Sign-up, logins and failed logins, logouts, password and email changes, key creation and revocation, with time, IP address and user agent.',
    policy: 'Technical Information: IP addresses, browser type, device information, and access logs for security protection and service stability.',
    locations: [tables.securityEventTable],
    purposes: [Purpose.SECURITY, Purpose.LEGAL],
    retention: { rule: RetentionRule.TWELVE_MONTHS, detail: 'Removed 12 months after the event by the retention job; erased earlier with the account.' },
    export: 'security-events.json: every event.',
    deletion: { action: DeletionAction.DELETE, detail: PURGE },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'login-failures',
    name: 'Failed login attempts',
    description: 'For the login throttle: a hash of the login as typed and the IP address, tied to no account.',
    policy: 'Technical Information: IP addresses, browser type, device information, and access logs for security protection and service stability.',
    locations: [tables.loginFailureTable],
    purposes: [Purpose.SECURITY],
    retention: {
      rule: RetentionRule.AS_LONG_AS_NEEDED,
      detail: 'Kept only for the throttle window (LOGIN_THROTTLE_WINDOW_SECONDS, 15 minutes by default), then dropped by the prune-login-failures job.',
    },
    export: 'login-failures.json says why none are listed: the rows name no account and are gone within minutes. Your failed logins are in security-events.json.',
    deletion: { action: DeletionAction.NOT_LINKED, detail: 'Tied to no account; gone with the throttle window.' },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'api-keys',
    name: 'API key metadata',
    description: 'Your keys\' names, public ids, last four characters, allowed models, expiry, revocation and last use; the keys only as hashes.',
    policy: 'API keys are stored using secure hashing',
    locations: [tables.apiKeyTable],
    purposes: [Purpose.SERVICE, Purpose.BILLING, Purpose.SECURITY],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: `Kept while the account exists, revoked keys too (usage records name them). ${PURGE}` },
    export: 'api-keys.json: every key, never a key or its hash.',
    deletion: { action: DeletionAction.DELETE, detail: `Every key is refused by the data-plane at once. ${PURGE}` },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'usage-records',
    name: 'Usage records',
    description: 'One record per model call: time, model, provider, token counts, cost, outcome, latency, the key, IP address and user agent. Never the prompt or the answer.',
    policy: 'Usage Data: API call logs, token consumption, request timestamps, models and providers used.',
    locations: [tables.usageEventTable],
    purposes: [Purpose.BILLING, Purpose.SERVICE, Purpose.SECURITY, Purpose.STATISTICS],
    retention: { rule: RetentionRule.TWELVE_MONTHS, detail: 'Removed 12 months after the call by the retention job.' },
    export: 'usage-records.json and usage-records.csv: every record, oldest first.',
    deletion: {
      action: DeletionAction.PSEUDONYMISE,
      detail: 'Kept for billing until their 12 months are up, but without the account, the key, the IP address or the user agent.',
    },
    restriction: 'Left out of aggregate statistics and analytics. Billing and the usage queries continue.',
    report: 'USAGE_TOTALS',
  },
  {
    key: 'billing-records',
    name: 'Billing and payment records',
    description: 'Balances, payments and invoices.',
    policy: 'Payment Information: We process payments through third-party payment providers and do not directly store your full payment card details.',
    locations: [
      {
        kind: 'NOT_HELD',
        description:
          'TokenByte holds no billing or payment records yet: there is no billing table. Card details are never held; the payment provider holds them.',
      },
    ],
    purposes: [Purpose.BILLING, Purpose.LEGAL],
    retention: { rule: RetentionRule.TWELVE_MONTHS, detail: 'None held. When billing records come, they are kept 12 months as the law requires.' },
    export: 'billing-records.json states that none are held; when they are, it lists every record.',
    deletion: {
      action: DeletionAction.PSEUDONYMISE,
      detail: 'None held. When they are: kept for the legal period with no name, email or IP address left on them.',
    },
    restriction: 'Billing continues (a restriction does not stop billing).',
    report: 'RECORDS',
  },
  {
    key: 'notifications',
    name: 'Notifications',
    description: 'Your in-service notification feed: security alerts, privacy-right confirmations, service messages.',
    policy: 'Sending service notifications, security alerts, and technical updates',
    locations: [tables.notificationTable],
    purposes: [Purpose.NOTIFICATIONS, Purpose.SECURITY],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: `Kept while the account exists. ${PURGE}` },
    export: 'notifications.json: every notification.',
    deletion: { action: DeletionAction.DELETE, detail: PURGE },
    restriction: 'Essential notifications (security, privacy rights, service) continue; non-essential ones are not sent.',
    report: 'RECORDS',
  },
  {
    key: 'emails',
    name: 'Emails sent to you',
    description: 'The email outbox: every email to you, with its address, subject, text and delivery state.',
    policy: 'Sending service notifications, security alerts, and technical updates',
    locations: [tables.emailOutboxTable],
    purposes: [Purpose.NOTIFICATIONS, Purpose.SECURITY],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: `Kept while the account exists. ${PURGE}` },
    export: 'emails.json: every email, with one-time verification codes removed from the text.',
    deletion: { action: DeletionAction.DELETE, detail: `${PURGE} The deletion confirmation is the last email sent.` },
    restriction: 'Essential emails continue; non-essential ones are not sent.',
    report: 'RECORDS',
  },
  {
    key: 'data-exports',
    name: 'Data exports',
    description: 'The exports you asked for, their archives and download links.',
    policy: 'Export: Obtain a machine-readable copy of your data',
    locations: [tables.dataExportTable, tables.dataExportArchiveTable, tables.dataExportLinkTable],
    purposes: [Purpose.LEGAL],
    retention: {
      rule: RetentionRule.AS_LONG_AS_NEEDED,
      detail:
        'An archive is deleted when it expires (DATA_EXPORT_EXPIRY_SECONDS, 7 days by default) and the export is marked EXPIRED; the record is deleted 30 days later. A download link works for 15 minutes (expire-exports job).',
    },
    export: 'data-exports.json: your exports and links, never a link token or its hash. Earlier archives are not nested.',
    deletion: { action: DeletionAction.DELETE, detail: PURGE },
    restriction: 'Unchanged: an export is a right you exercise.',
    report: 'RECORDS',
  },
  {
    key: 'price-versions',
    name: 'Prices you set (administrators)',
    description: 'The catalogue price versions an administrator created, linked to that administrator.',
    policy: 'Role-based access controls',
    locations: [tables.priceVersionTable],
    purposes: [Purpose.BILLING, Purpose.LEGAL],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: 'Price versions are never changed or deleted: usage records are costed with them.' },
    export: 'price-versions.json: the versions you created.',
    deletion: { action: DeletionAction.PSEUDONYMISE, detail: 'The versions are kept; their link to you is cleared.' },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'policy-views',
    name: 'Privacy policy versions seen and accepted',
    description: 'Which versions of the privacy policy were shown or announced to you, and the one you accepted at sign-up.',
    policy: 'Significant changes will be communicated via email or in-service notification.',
    locations: [tables.policyViewTable],
    purposes: [Purpose.LEGAL, Purpose.NOTIFICATIONS],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: `Kept while the account exists. ${PURGE}` },
    export: 'policy-views.json: every version you saw, with when you saw or accepted it.',
    deletion: { action: DeletionAction.DELETE, detail: PURGE },
    restriction: 'Unchanged: announcing a new policy version is an essential message.',
    report: 'RECORDS',
  },
  {
    key: 'policy-versions',
    name: 'Privacy policy versions you published (administrators)',
    description: 'The privacy policy versions an administrator published, linked to that administrator.',
    policy: 'We may update this Privacy Policy from time to time.',
    locations: [tables.policyVersionTable],
    purposes: [Purpose.LEGAL, Purpose.NOTIFICATIONS],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: 'Policy versions are kept: they record what every account was told and accepted.' },
    export: 'policy-versions.json: the versions you published.',
    deletion: { action: DeletionAction.PSEUDONYMISE, detail: 'The versions are kept; their link to you is cleared.' },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'admin-actions',
    name: 'Administrator actions (administrators)',
    description: 'The audit log of what an administrator did: who, what, to what, when and from where.',
    policy: 'Role-based access controls',
    locations: [tables.adminAuditTable],
    purposes: [Purpose.SECURITY, Purpose.LEGAL],
    retention: { rule: RetentionRule.TWELVE_MONTHS, detail: 'Removed 12 months after the action by the retention job.' },
    export: 'admin-actions.json: the actions you took as an administrator.',
    deletion: {
      action: DeletionAction.KEEP,
      detail:
        'Kept until its 12 months are up, with the username you had, as the record of what administrators did (legal obligations, security); only the link to the deleted account is cleared.',
    },
    restriction: CONTINUES,
    report: 'RECORDS',
  },
  {
    key: 'server-logs',
    name: 'Server logs',
    description:
      'One JSON line per request on stdout: request id, method, path (never the query string), status and duration; on the data-plane also the model and the public id of the API key. No IP address, cookie, key, password, prompt or answer.',
    policy: 'Technical Information: IP addresses, browser type, device information, and access logs for security protection and service stability.',
    locations: [{ kind: 'SERVER_LOGS', description: 'Written to the process\'s standard output for the operator\'s log collector; TokenByte keeps no copy.' }],
    purposes: [Purpose.SECURITY, Purpose.SERVICE],
    retention: { rule: RetentionRule.AS_LONG_AS_NEEDED, detail: 'TokenByte keeps none; the operator\'s log collector must delete them after 12 months at most.' },
    export: 'server-logs.json says why none are included: TokenByte keeps no copy of its logs.',
    deletion: { action: DeletionAction.NOT_LINKED, detail: 'Not held by TokenByte; aged out by the log collector.' },
    restriction: 'Not used for statistics or analytics.',
    report: 'RECORDS',
  },
];

/** Every table location of the map, with the category it belongs to. */
export function tableLocations(): { category: DataCategory; location: TableLocation }[] {
  return DATA_MAP.flatMap((category) =>
    category.locations.filter((l): l is TableLocation => l.kind === 'TABLE').map((location) => ({ category, location })),
  );
}

/** The category by key; throws on a key the map does not have (a bug). */
export function dataCategory(key: string): DataCategory {
  const category = DATA_MAP.find((c) => c.key === key);
  if (!category) throw new Error(`no data-map category ${key}`);
  return category;
}
