import { SafeIntResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { DataExportStatus, type DataExport } from './privacy.entity.js';

registerEnumType(DataExportStatus, {
  name: 'DataExportStatus',
  description: 'Where an export of my data stands.',
  valuesConfig: {
    PENDING: { description: 'Requested; waiting to be built.' },
    BUILDING: { description: 'The archive is being built.' },
    READY: { description: 'The archive can be downloaded until expiresAt.' },
    FAILED: { description: 'The archive could not be built; request a new export.' },
    EXPIRED: { description: 'The archive was deleted when it expired.' },
  },
});

@ObjectType('DataExportDownloadLink', { description: 'A link to download an export archive. It works only with my session cookie, and only until expiresAt.' })
export class DataExportDownloadLinkType {
  @Field({ description: 'The path of the download on the control-plane (`/exports/<id>?token=…`), relative to the GraphQL endpoint\'s origin.' })
  url!: string;

  @Field({ description: 'When the link stops working (15 minutes after it was made, or the archive\'s expiry if sooner).' })
  expiresAt!: Date;
}

@ObjectType('DataExport', {
  implements: Node,
  description: 'A machine-readable copy of my data (privacy policy §6 "Export"): a zip with JSON for everything, CSV for usage records, and a README of its fields.',
})
export class DataExportType extends Node {
  @Field(() => DataExportStatus, { description: 'Where the export stands.' })
  status!: DataExportStatus;

  @Field({ description: 'When the export was requested.' })
  requestedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the archive was ready.' })
  completedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the archive is (or was) deleted.' })
  expiresAt!: Date | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'The size of the archive in bytes, once built.' })
  sizeBytes!: number | null;

  @Field(() => String, { nullable: true, description: 'The SHA-256 of the archive (hex), to check a download.' })
  sha256!: string | null;

  /** The database id, for the download link; not part of the schema. */
  exportId!: string;

  static from(dataExport: DataExport): DataExportType {
    return Object.assign(new DataExportType(), {
      id: toGlobalId('DataExport', dataExport.id),
      exportId: dataExport.id,
      status: dataExport.status,
      requestedAt: dataExport.createdAt,
      completedAt: dataExport.completedAt,
      expiresAt: dataExport.expiresAt,
      sizeBytes: dataExport.sizeBytes,
      sha256: dataExport.sha256,
    });
  }
}

export const DataExportConnection = Connection('DataExport', DataExportType, 'A page of my data exports, newest first.');

@ObjectType({ description: 'The result of dataExportRequest.' })
export class DataExportRequestPayload {
  @Field(() => DataExportType, { nullable: true, description: 'The new export (PENDING), or null when userErrors is not empty.' })
  dataExport!: DataExportType | null;

  @Field(() => [UserError], { description: 'Why no export was started: IN_PROGRESS or LIMIT_REACHED.' })
  userErrors!: UserError[];
}
