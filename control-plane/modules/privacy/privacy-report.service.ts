import type { Em } from '../../db/orm.js';
import { DATA_MAP, locationLabel, Treatment, type DataCategory, type DataLocation } from './data-map.js';
import { countRecords, readColumnTypes, readRecords, usageTotals, type ColumnTypes, type PersonalRecord } from './personal-records.js';

/** The most records of one location the report lists; the export has all of them. */
export const REPORT_RECORDS_PER_LOCATION = 100;

export interface LocationReport {
  location: DataLocation;
  label: string;
  personalFields: string[];
  recordCount: number;
  records: PersonalRecord[];
  recordsShown: string;
}

export interface CategoryReport {
  category: DataCategory;
  locations: LocationReport[];
}

/**
 * Everything held about an account, by category of the data map: what each holds and
 * why, and the records themselves (the newest ones; usage as monthly totals).
 */
export async function buildPrivacyReport(em: Em, accountId: string): Promise<CategoryReport[]> {
  const types = await readColumnTypes(em);
  const categories: CategoryReport[] = [];
  for (const category of DATA_MAP) {
    const locations: LocationReport[] = [];
    for (const location of category.locations) locations.push(await reportLocation(em, types, category, location, accountId));
    categories.push({ category, locations });
  }
  return categories;
}

async function reportLocation(em: Em, types: ColumnTypes, category: DataCategory, location: DataLocation, accountId: string): Promise<LocationReport> {
  const label = locationLabel(location);
  if (location.kind !== 'TABLE') {
    return { location, label, personalFields: [], recordCount: 0, records: [], recordsShown: location.description };
  }
  const personalFields = Object.entries(location.columns)
    .filter(([, spec]) => spec.personal)
    .map(([name]) => name);
  if (!location.owner) {
    return { location, label, personalFields, recordCount: 0, records: [], recordsShown: 'None: these rows are tied to no account.' };
  }
  const recordCount = await countRecords(em, location, accountId);
  if (category.report === 'USAGE_TOTALS') {
    return {
      location,
      label,
      personalFields,
      recordCount,
      records: await usageTotals(em, accountId),
      recordsShown: 'Totals per month (UTC), provider and model. Every single record is in the export and in the usageEvents query.',
    };
  }
  const shown = Object.values(location.columns).some((spec) => spec.treatment === Treatment.SHOWN);
  const rows = shown ? await readRecords(em, types, location, accountId, { limit: REPORT_RECORDS_PER_LOCATION, order: 'desc' }) : [];
  return {
    location,
    label,
    personalFields,
    recordCount,
    records: rows.map((r) => r.record),
    recordsShown: !shown
      ? 'Not listed: these rows are copies of data listed elsewhere (see the description).'
      : recordCount > rows.length
        ? `The newest ${rows.length} of ${recordCount}; the export has all of them.`
        : 'Every record, newest first.',
  };
}
