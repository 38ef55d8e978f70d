import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../graphql/user-error.js';

@InputType({ description: 'A request to delete my account; the password confirms it is really me.' })
export class AccountDeletionRequestInput {
  @Field({ description: 'The current password of the account.' })
  password!: string;
}

@ObjectType({
  description:
    'The result of accountDeletionRequest. On success every session has ended (this one too), every API key is refused, ' +
    'logging in is no longer possible, and a confirmation was sent to the account email.',
})
export class AccountDeletionRequestPayload {
  @Field(() => Date, { nullable: true, description: 'When the deletion was requested, or null when userErrors is not empty.' })
  requestedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the personal data is erased at the latest (within 30 days); null when userErrors is not empty.',
  })
  purgeScheduledAt!: Date | null;

  @Field(() => [UserError], { description: 'Why nothing happened: INVALID_CREDENTIALS when the password is wrong.' })
  userErrors!: UserError[];
}
