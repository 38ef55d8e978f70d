import { JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { AccountType } from '../account/account.types.js';
import { DeletionAction } from './data-map.js';
import type { CategoryReport, LocationReport } from './privacy-report.service.js';

registerEnumType(DeletionAction, {
  name: 'DeletionAction',
  description: 'What deleting the account does to a kind of personal data.',
  valuesConfig: {
    DELETE: { description: 'Erased with the account, within 30 days of the deletion request.' },
    PSEUDONYMISE: { description: 'Kept (the law or billing needs it), with every link to the person and every identifying value cleared.' },
    KEEP: { description: 'Kept until its own retention period ends, because the law or security needs it (the record of administrators\' actions).' },
    NOT_LINKED: { description: 'Tied to no account; it disappears on its own short expiry.' },
  },
});

export const DataLocationKind = { TABLE: 'TABLE', SERVER_LOGS: 'SERVER_LOGS', NOT_HELD: 'NOT_HELD' } as const;
export type DataLocationKind = (typeof DataLocationKind)[keyof typeof DataLocationKind];

registerEnumType(DataLocationKind, {
  name: 'DataLocationKind',
  description: 'Where a kind of personal data lives.',
  valuesConfig: {
    TABLE: { description: 'A table of TokenByte\'s database.' },
    SERVER_LOGS: { description: 'The server logs, written to standard output for the operator\'s log collector.' },
    NOT_HELD: { description: 'Nowhere: TokenByte does not hold this kind of data.' },
  },
});

@ObjectType('PersonalDataLocation', { description: 'One place where a kind of personal data lives, and what of mine is there.' })
export class PersonalDataLocationType {
  @Field(() => DataLocationKind, { description: 'What kind of place it is.' })
  kind!: DataLocationKind;

  @Field({ description: 'The table name, "server logs (stdout)" or "not held".' })
  name!: string;

  @Field(() => [String], { description: 'The columns that identify or describe a person (hashes included, which are never shown).' })
  personalFields!: string[];

  @Field(() => SafeIntResolver, { description: 'How many records about me are here.' })
  recordCount!: number;

  @Field(() => [JSONObjectResolver], {
    description: 'My records here, column name to value (instants in UTC, 64-bit numbers as decimal strings); never a hash, token or secret. See recordsShown.',
  })
  records!: Record<string, unknown>[];

  @Field({ description: 'Which records `records` lists (every one, the newest, or totals) and why.' })
  recordsShown!: string;

  static from(report: LocationReport): PersonalDataLocationType {
    return Object.assign(new PersonalDataLocationType(), {
      kind: report.location.kind,
      name: report.label,
      personalFields: report.personalFields,
      recordCount: report.recordCount,
      records: report.records,
      recordsShown: report.recordsShown,
    });
  }
}

@ObjectType('PersonalDataCategory', { description: 'One kind of personal data TokenByte holds (an entry of its data map), with my records of it.' })
export class PersonalDataCategoryType {
  @Field({ description: 'A stable key, e.g. "sessions"; also the name of its file in an export.' })
  key!: string;

  @Field({ description: 'The name of the kind of data.' })
  name!: string;

  @Field({ description: 'What it is.' })
  description!: string;

  @Field({ description: 'Where the privacy policy speaks of it, quoted.' })
  policy!: string;

  @Field(() => [String], { description: 'Why TokenByte holds it: purposes of the privacy policy §2, quoted.' })
  purposes!: string[];

  @Field({ description: 'The retention rule of the privacy policy §5 that applies, quoted.' })
  retentionRule!: string;

  @Field({ description: 'How long it is kept, concretely.' })
  retention!: string;

  @Field({ description: 'What an export (dataExportRequest) writes of it.' })
  onExport!: string;

  @Field(() => DeletionAction, { description: 'What deleting the account does to it.' })
  onDeletion!: DeletionAction;

  @Field({ description: 'Deletion in detail.' })
  onDeletionDetail!: string;

  @Field({ description: 'What a restriction of processing changes for it.' })
  onRestriction!: string;

  @Field(() => SafeIntResolver, { description: 'How many records about me are held, in every location.' })
  recordCount!: number;

  @Field(() => [PersonalDataLocationType], { description: 'Where it lives, with my records there.' })
  locations!: PersonalDataLocationType[];

  static from(report: CategoryReport): PersonalDataCategoryType {
    const c = report.category;
    const locations = report.locations.map(PersonalDataLocationType.from);
    return Object.assign(new PersonalDataCategoryType(), {
      key: c.key,
      name: c.name,
      description: c.description,
      policy: c.policy,
      purposes: [...c.purposes],
      retentionRule: c.retention.rule,
      retention: c.retention.detail,
      onExport: c.export,
      onDeletion: c.deletion.action,
      onDeletionDetail: c.deletion.detail,
      onRestriction: c.restriction,
      recordCount: locations.reduce((sum, l) => sum + l.recordCount, 0),
      locations,
    });
  }
}

@ObjectType('PrivacyReport', { description: 'Everything TokenByte holds about me, by kind of data, with purpose and retention for each (privacy policy §6 "Access").' })
export class PrivacyReportType {
  @Field({ description: 'When the report was made.' })
  generatedAt!: Date;

  @Field(() => AccountType, { description: 'The account the report is about.' })
  account!: AccountType;

  @Field(() => [PersonalDataCategoryType], { description: 'Every kind of personal data of the data map, in its order.' })
  categories!: PersonalDataCategoryType[];
}
