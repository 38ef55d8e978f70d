import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../graphql/user-error.js';
import { AccountType } from '../account/account.types.js';

@ObjectType({ description: 'The result of processingRestrictionSet.' })
export class ProcessingRestrictionSetPayload {
  @Field(() => AccountType, { nullable: true, description: 'My account, with its restriction as it now stands.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why nothing changed (none today; kept for future rules).' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of processingRestrictionLift: the lift is scheduled, not applied.' })
export class ProcessingRestrictionLiftPayload {
  @Field(() => AccountType, { nullable: true, description: 'The account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => Date, { nullable: true, description: 'When the restriction ends unless the owner sets it again; null when userErrors is not empty.' })
  liftScheduledAt!: Date | null;

  @Field(() => [UserError], { description: 'Why nothing was scheduled: NOT_FOUND, or NOT_RESTRICTED when the account has no restriction.' })
  userErrors!: UserError[];
}
