/**
 * The vocabulary of the data map (data-map.ts): what a kind of personal data is, where
 * it lives, and what each privacy right does to it.
 */

/** The purposes of privacy policy §2 ("How We Use Your Information"), quoted. */
export const Purpose = {
  SERVICE: 'Providing, maintaining, and improving our Service',
  BILLING: 'Processing API requests and ensuring accurate billing',
  NOTIFICATIONS: 'Sending service notifications, security alerts, and technical updates',
  SECURITY: 'Detecting and preventing fraud, abuse, and security threats',
  LEGAL: 'Complying with legal obligations and enforcing our Terms of Service',
  STATISTICS: 'Generating aggregate statistics to improve service quality',
} as const;
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

/** The retention sentences of privacy policy §5 ("Data Retention"), quoted. */
export const RetentionRule = {
  AS_LONG_AS_NEEDED: 'We retain your data for as long as necessary to provide the Service.',
  PURGED_AFTER_DELETION: 'Account information is purged within 30 days of account deletion.',
  TWELVE_MONTHS: 'Usage logs and billing records are retained for up to 12 months as required by law.',
} as const;
export type RetentionRule = (typeof RetentionRule)[keyof typeof RetentionRule];

/** What the deletion of an account does to a kind of data. */
export const DeletionAction = {
  /** Erased with the account by the purge job (within 30 days). */
  DELETE: 'DELETE',
  /** Kept, with every link to the person and every identifying value cleared. */
  PSEUDONYMISE: 'PSEUDONYMISE',
  /**
   * Kept as it is until its own retention period ends, because the law or security
   * needs it (the record of what an administrator did); only the link column goes,
   * by its foreign key, when the account row does.
   */
  KEEP: 'KEEP',
  /** Not tied to the account; it disappears on its own short expiry. */
  NOT_LINKED: 'NOT_LINKED',
} as const;
export type DeletionAction = (typeof DeletionAction)[keyof typeof DeletionAction];

/** How one column is treated by access and export. */
export const Treatment = {
  /** Shown in the privacy report and written to the export. */
  SHOWN: 'SHOWN',
  /** A copy or form of data shown elsewhere (a lower-cased address, an archive): not repeated. */
  COPY: 'COPY',
  /** A hash or token: never shown, never exported, never logged. */
  SECRET: 'SECRET',
  /** The link to the account the record belongs to: implied by whose report it is. */
  OWNER: 'OWNER',
  /** Bookkeeping of the service that says nothing about the person (a job's cursor): not shown. */
  INTERNAL: 'INTERNAL',
} as const;
export type Treatment = (typeof Treatment)[keyof typeof Treatment];

export interface ColumnSpec {
  treatment: Treatment;
  /** Whether the column identifies or describes the person (name, address, IP, device, free text about them). */
  personal: boolean;
  /** What the column holds; the export's README quotes it. */
  description: string;
}

/** How a row finds the account it belongs to. */
export type OwnerLink =
  /**
   * Columns of the row that hold an account id (`id` for the account table itself). A
   * row belongs to every account it names: an audit entry is the admin's and the target's.
   */
  | { columns: readonly string[] }
  /** A column holds the id of a parent row, and the parent's `owner` column holds the account id. */
  | { column: string; parent: { table: string; key: string; owner: string } };

/** A table that holds a kind of personal data. Every column of the table is classified. */
export interface TableLocation {
  kind: 'TABLE';
  table: string;
  /** Null: the rows are tied to no account (they can be neither exported nor shown as anyone's). */
  owner: OwnerLink | null;
  /** Columns that order the rows uniquely (oldest first), for paging through them. */
  orderKey: readonly string[];
  columns: Readonly<Record<string, ColumnSpec>>;
  /** What the purge does to this table's rows; PSEUDONYMISE lists the columns it clears. */
  deletion: { action: DeletionAction; clears?: readonly string[] };
}

/** Personal data outside the database: process logs on stdout. */
export interface LogLocation {
  kind: 'SERVER_LOGS';
  description: string;
}

/** A kind of data the policy names that TokenByte does not hold (yet). */
export interface NotHeldLocation {
  kind: 'NOT_HELD';
  description: string;
}

export type DataLocation = TableLocation | LogLocation | NotHeldLocation;

/** One kind of personal data TokenByte holds, and what every right does to it. */
export interface DataCategory {
  /** Stable key, also the export's file name (`<key>.json`). */
  key: string;
  name: string;
  description: string;
  /** Where the privacy policy speaks of it, quoted word for word (a test checks). */
  policy: string;
  locations: readonly DataLocation[];
  purposes: readonly Purpose[];
  retention: { rule: RetentionRule; detail: string };
  /** What the export writes. */
  export: string;
  deletion: { action: DeletionAction; detail: string };
  /** What a restriction of processing changes. */
  restriction: string;
  /** How the privacy report lists the records: each one, or usage totals (there may be millions). */
  report: 'RECORDS' | 'USAGE_TOTALS';
}

/** The label of a location as people read it: the table name, "server logs (stdout)" or "not held". */
export function locationLabel(location: DataLocation): string {
  return location.kind === 'TABLE' ? location.table : location.kind === 'SERVER_LOGS' ? 'server logs (stdout)' : 'not held';
}
