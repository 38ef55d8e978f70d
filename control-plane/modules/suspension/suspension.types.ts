import { Field, ObjectType } from 'type-graphql';
import { UserError } from '../../graphql/user-error.js';
import { AccountType } from '../account/account.types.js';

@ObjectType({ description: 'The result of accountSuspend.' })
export class AccountSuspendPayload {
  @Field(() => AccountType, { nullable: true, description: 'The suspended account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why nothing changed: NOT_FOUND, CANNOT_SUSPEND_SELF, or INVALID (reason too long).' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of accountUnsuspend.' })
export class AccountUnsuspendPayload {
  @Field(() => AccountType, { nullable: true, description: 'The account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why nothing changed: NOT_FOUND.' })
  userErrors!: UserError[];
}
