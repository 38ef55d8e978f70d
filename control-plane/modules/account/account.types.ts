import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Connection } from '../../graphql/connection.js';
import { Role, type Account } from './account.entity.js';

registerEnumType(Role, {
  name: 'Role',
  description: 'What an account may do.',
  valuesConfig: {
    USER: { description: 'A customer: manages their own keys, usage and data.' },
    ADMIN: { description: 'An operator: manages accounts, prices and providers.' },
  },
});

@ObjectType('Account', { implements: Node, description: 'A TokenByte account.' })
export class AccountType extends Node {
  @Field({ description: 'The public name, unique regardless of case.' })
  username!: string;

  @Field({ description: 'The email address, unique regardless of case.' })
  email!: string;

  @Field(() => Role, { description: 'What this account may do.' })
  role!: Role;

  @Field({ description: 'When the account was created.' })
  createdAt!: Date;

  /** The database id, for field resolvers; not part of the schema. */
  accountId!: string;

  static from(account: Account): AccountType {
    return Object.assign(new AccountType(), {
      id: toGlobalId('Account', account.id),
      accountId: account.id,
      username: account.username,
      email: account.email,
      role: account.role,
      createdAt: account.createdAt,
    });
  }
}

export const AccountConnection = Connection('Account', AccountType, 'A page of accounts, newest first.');

@InputType({ description: 'A new account.' })
export class SignUpInput {
  @Field({ description: '3–32 characters: letters, digits, "_", "." or "-".' })
  username!: string;

  @Field({ description: 'An email address; it identifies the account as well as the username.' })
  email!: string;

  @Field({ description: '8–128 characters; very common passwords are refused.' })
  password!: string;
}

@ObjectType({ description: 'The result of signUp.' })
export class SignUpPayload {
  @Field(() => AccountType, { nullable: true, description: 'The new account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why the account was not created.' })
  userErrors!: UserError[];
}

@InputType({ description: 'Credentials for logIn.' })
export class LogInInput {
  @Field({ description: 'Username or email address.' })
  login!: string;

  @Field({ description: 'The password.' })
  password!: string;
}

@ObjectType({ description: 'The result of logIn. On success the session cookie is set.' })
export class LogInPayload {
  @Field(() => AccountType, { nullable: true, description: 'The logged-in account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why the login failed: INVALID_CREDENTIALS or TOO_MANY_ATTEMPTS.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of logOut.' })
export class LogOutPayload {
  @Field({ description: 'True when a session was ended; false when there was none.' })
  loggedOut!: boolean;
}

@InputType({ description: 'A password change.' })
export class PasswordChangeInput {
  @Field({ description: 'The current password.' })
  currentPassword!: string;

  @Field({ description: 'The new password: 8–128 characters, not a common one.' })
  newPassword!: string;
}

@ObjectType({ description: 'The result of passwordChange. Every other session of the account has ended.' })
export class PasswordChangePayload {
  @Field(() => AccountType, { nullable: true, description: 'The account, or null when userErrors is not empty.' })
  account!: AccountType | null;

  @Field(() => [UserError], { description: 'Why the password was not changed.' })
  userErrors!: UserError[];
}
