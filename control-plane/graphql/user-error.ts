import { Field, ObjectType } from 'type-graphql';
import type { Problem } from '../modules/account/account.service.js';

@ObjectType({ description: 'A business rule the mutation could not satisfy; the mutation changed nothing.' })
export class UserError {
  @Field(() => [String], { nullable: true, description: 'Path to the input field at fault, or null when it concerns the whole input.' })
  field!: string[] | null;

  @Field({ description: 'A message for the person using the client.' })
  message!: string;

  @Field({ description: 'A stable, machine-readable code (for example TAKEN, INVALID, PASSWORD_TOO_COMMON).' })
  code!: string;

  static from(problem: Problem): UserError {
    return Object.assign(new UserError(), problem);
  }
}
