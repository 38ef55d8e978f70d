import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { AccountType } from '../account/account.types.js';
import type { PolicyVersion, PolicyView } from './policy.entity.js';

@ObjectType('PolicyVersion', { implements: Node, description: 'One published version of the TokenByte privacy policy. The latest one is in force.' })
export class PolicyVersionType extends Node {
  @Field({ description: 'The label people cite, such as "1" or "2.1".' })
  version!: string;

  @Field({ description: 'What changed in this version, in a few sentences.' })
  summary!: string;

  @Field(() => String, { nullable: true, description: 'The full text, when TokenByte publishes it here.' })
  text!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the full text is published, when it is published elsewhere.' })
  url!: string | null;

  @Field({ description: 'When this version was published.' })
  publishedAt!: Date;

  /** The database id, for field resolvers; not part of the schema. */
  versionId!: string;
  publishedById!: string | null;
  announcedCount!: number;
  announcementCompletedAt!: Date | null;

  static from(version: PolicyVersion): PolicyVersionType {
    return Object.assign(new PolicyVersionType(), {
      id: toGlobalId('PolicyVersion', version.id),
      versionId: version.id,
      version: version.version,
      summary: version.summary,
      text: version.body,
      url: version.url,
      publishedAt: version.publishedAt,
      publishedById: version.publishedBy?.id ?? null,
      announcedCount: version.announcedCount,
      announcementCompletedAt: version.announcementCompletedAt,
    });
  }
}

export const PolicyVersionConnection = Connection('PolicyVersion', PolicyVersionType, 'A page of privacy policy versions, newest first.');

@ObjectType({ description: 'Who a policy version reached and who has seen it, in numbers. Admins only.' })
export class PolicyVersionAudience {
  @Field(() => Int, { description: 'Accounts that exist now, leaving out those whose deletion was requested.' })
  accountCount!: number;

  @Field(() => Int, { description: 'Accounts that have seen this version: marked it seen, or accepted it at sign-up.' })
  seenCount!: number;

  @Field(() => Int, { description: 'Of those, the accounts that accepted this version when they signed up.' })
  acceptedAtSignUpCount!: number;

  @Field(() => Int, { description: 'Accounts the announcement (in-service notification and email) has been sent to so far.' })
  notifiedCount!: number;

  @Field(() => Date, { nullable: true, description: 'When every account had been notified; null while the announcement is under way (or for version 1, which needed none).' })
  announcementCompletedAt!: Date | null;
}

@ObjectType('PolicyVersionView', { description: 'That an account has seen a policy version.' })
export class PolicyVersionViewType {
  @Field(() => AccountType, { description: 'The account.' })
  account!: AccountType;

  @Field({ description: 'When the account first saw this version.' })
  seenAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the account accepted this version by signing up under it; null if it signed up under another.' })
  acceptedAt!: Date | null;

  accountId!: string;

  static from(view: PolicyView): PolicyVersionViewType {
    return Object.assign(new PolicyVersionViewType(), { accountId: view.account.id, seenAt: view.seenAt, acceptedAt: view.acceptedAt });
  }
}

export const PolicyVersionViewConnection = Connection('PolicyVersionView', PolicyVersionViewType, 'A page of the accounts that have seen a policy version, most recent first.');

@InputType({ description: 'A new version of the privacy policy. Give the full text, a URL, or both.' })
export class PolicyVersionPublishInput {
  @Field({ description: 'The label people cite (1–32 letters, digits, ".", "_" or "-"); unique.' })
  version!: string;

  @Field({ description: 'What changed, in 1–2000 characters: the announcement sent to every account.' })
  summary!: string;

  @Field(() => String, { nullable: true, description: 'The full text of the new version (at most 200,000 characters).' })
  text?: string | null;

  @Field(() => String, { nullable: true, description: 'An https:// address where the full text is published.' })
  url?: string | null;
}

@ObjectType({ description: 'The result of policyVersionPublish. Every account is then notified in-service and by email, in the background.' })
export class PolicyVersionPublishPayload {
  @Field(() => PolicyVersionType, { nullable: true, description: 'The new version, now in force; null when userErrors is not empty.' })
  policyVersion!: PolicyVersionType | null;

  @Field(() => [UserError], { description: 'Why nothing was published: INVALID, TAKEN, TEXT_OR_URL_REQUIRED or TOO_LONG.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of policyVersionMarkSeen.' })
export class PolicyVersionMarkSeenPayload {
  @Field(() => PolicyVersionType, { nullable: true, description: 'The version, now seen; null when userErrors is not empty.' })
  policyVersion!: PolicyVersionType | null;

  @Field(() => Date, { nullable: true, description: 'When I first saw it; null when userErrors is not empty.' })
  seenAt!: Date | null;

  @Field(() => [UserError], { description: 'Why nothing was recorded: NOT_FOUND.' })
  userErrors!: UserError[];
}
