import { JSONObjectResolver } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { AccountType } from '../account/account.types.js';
import type { AdminAudit } from './admin-audit.entity.js';

@ObjectType('AdminAuditEntry', {
  implements: Node,
  description: 'One admin action: who did what to what, when and from where. Admin reads of other accounts\' data are recorded too.',
})
export class AdminAuditEntryType extends Node {
  @Field({ description: 'What was done: the GraphQL field the admin called (for example `apiKeyRevoke`, `accountSuspend`, `accounts`).' })
  action!: string;

  @Field(() => AccountType, { nullable: true, description: 'The admin who did it; null once that account is deleted.' })
  admin?: AccountType | null;

  @Field({ description: 'The admin\'s username when they did it (kept after the account is deleted); `operator (cli)` for a command-line action.' })
  adminUsername!: string;

  @Field(() => String, { nullable: true, description: 'The type of the object acted on (for example `Account`, `ApiKey`); null when the action had no single target.' })
  targetType!: string | null;

  @Field(() => ID, { nullable: true, description: 'The global id of the object acted on; it may no longer exist.' })
  targetId!: string | null;

  @Field(() => JSONObjectResolver, { description: 'Facts about the action (arguments, counts); never secrets.' })
  details!: Record<string, unknown>;

  @Field({ description: 'When it was done.' })
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'The IP address the admin acted from; null for a command-line action.' })
  ip!: string | null;

  @Field(() => String, { nullable: true, description: 'The user agent the admin acted with.' })
  userAgent!: string | null;

  /** For the admin field resolver; not part of the schema. */
  adminId!: string | null;

  static from(entry: AdminAudit): AdminAuditEntryType {
    return Object.assign(new AdminAuditEntryType(), {
      id: toGlobalId('AdminAuditEntry', entry.id),
      action: entry.action,
      adminId: entry.admin?.id ?? null,
      adminUsername: entry.adminUsername,
      targetType: entry.targetType,
      targetId: entry.targetType && entry.targetId ? toGlobalId(entry.targetType, entry.targetId) : null,
      details: entry.details,
      createdAt: entry.createdAt,
      ip: entry.ip,
      userAgent: entry.userAgent,
    });
  }
}

export const AdminAuditEntryConnection = Connection('AdminAuditEntry', AdminAuditEntryType, 'A page of audit log entries, newest first.');

@InputType({ description: 'Narrows the audit log; every field given must match.' })
export class AdminAuditFilter {
  @Field(() => ID, { nullable: true, description: 'Only actions of this admin (an Account id).' })
  admin?: string | null;

  @Field(() => String, { nullable: true, description: 'Only this action (a GraphQL field name, for example `apiKeyRevoke`).' })
  action?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only actions on this object (any global id, for example an Account\'s).' })
  target?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only actions at or after this instant.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only actions before this instant.' })
  to?: Date | null;
}

/** The arguments of Query.auditLog. */
@ArgsType()
export class AuditLogArgs extends ConnectionArgs {
  @Field(() => AdminAuditFilter, { nullable: true, description: 'Only the entries that match.' })
  filter?: AdminAuditFilter | null;
}
