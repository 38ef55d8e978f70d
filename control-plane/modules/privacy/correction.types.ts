import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../graphql/user-error.js';
import { AccountType } from '../account/account.types.js';
import type { EmailChange } from './privacy.entity.js';

@ObjectType('PendingEmailChange', { description: 'A new email address waiting for the one-time code that was mailed to it.' })
export class PendingEmailChangeType {
  @Field({ description: 'The new address; the account keeps its current one until the code is entered.' })
  newEmail!: string;

  @Field({ description: 'When the change was asked for.' })
  requestedAt!: Date;

  @Field({ description: 'When the code stops working.' })
  expiresAt!: Date;

  static from(change: EmailChange): PendingEmailChangeType {
    return Object.assign(new PendingEmailChangeType(), { newEmail: change.newEmail, requestedAt: change.createdAt, expiresAt: change.expiresAt });
  }
}

@InputType({ description: 'A new username.' })
export class AccountUsernameChangeInput {
  @Field({ description: '3–32 characters: letters, digits, "_", "." or "-"; unique regardless of case.' })
  username!: string;
}

@ObjectType({ description: 'The result of accountUsernameChange.' })
export class AccountUsernameChangePayload {
  @Field(() => AccountType, { nullable: true, description: 'The account with its new username, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why the username was not changed: INVALID or TAKEN.' })
  userErrors!: UserError[];
}

@InputType({ description: 'A new email address, confirmed with the current password.' })
export class AccountEmailChangeInput {
  @Field({ description: 'The new email address; a one-time code is mailed to it.' })
  newEmail!: string;

  @Field({ description: 'The current password.' })
  currentPassword!: string;
}

@ObjectType({ description: 'The result of accountEmailChange. The address changes only once the code mailed to it comes back through accountEmailVerify.' })
export class AccountEmailChangePayload {
  @Field(() => AccountType, { nullable: true, description: 'The account (still with its current address), or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => PendingEmailChangeType, {
    nullable: true,
    description: 'The change waiting for its code; null when nothing waits (userErrors, or a correction of letter case only, which applies at once).',
  })
  pendingEmailChange!: PendingEmailChangeType | null;

  @Field(() => [UserError], { description: 'Why nothing changed: INVALID_CREDENTIALS, INVALID, UNCHANGED or TAKEN.' })
  userErrors!: UserError[];
}

@InputType({ description: 'The one-time code mailed to a new email address.' })
export class AccountEmailVerifyInput {
  @Field({ description: 'The code, as it appears in the email (it starts with `tbev_`).' })
  token!: string;
}

@ObjectType({ description: 'The result of accountEmailVerify.' })
export class AccountEmailVerifyPayload {
  @Field(() => AccountType, { nullable: true, description: 'The account with its new address, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why the address did not change: INVALID (unknown, used or replaced code), EXPIRED or TAKEN.' })
  userErrors!: UserError[];
}
