import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { UPSTREAM_PROVIDERS, type UpstreamProviderName } from '../../../shared/upstream-credentials.js';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import type { UpstreamCredential } from './upstream-credential.entity.js';
import { MAX_NAME_LENGTH, MAX_SECRET_LENGTH, MAX_WEIGHT } from './upstream-credential.rules.js';

/** GraphQL enum values (SCREAMING_SNAKE) for the provider names stored in lower case. */
export const UpstreamProvider = Object.fromEntries(UPSTREAM_PROVIDERS.map((p) => [p.toUpperCase(), p])) as {
  readonly [K in UpstreamProviderName as Uppercase<K>]: K;
};

registerEnumType(UpstreamProvider, {
  name: 'UpstreamProvider',
  description: 'A model provider TokenByte forwards calls to with its own credentials.',
  valuesConfig: {
    OPENAI: { description: 'OpenAI (or an OpenAI-compatible upstream).' },
    ANTHROPIC: { description: 'Anthropic.' },
    GEMINI: { description: 'Google Gemini.' },
  },
});

const BASE_URL = 'An absolute http:// or https:// URL without user name, password, query or fragment';
const WEIGHT = `Its share of the provider's calls, 0–${MAX_WEIGHT}; 0 makes it a standby, used only when every weighted credential failed`;

@ObjectType('UpstreamCredential', {
  implements: Node,
  description: "One of TokenByte's own API keys for a provider, used by the data-plane to forward calls. The secret is stored encrypted and never shown again.",
})
export class UpstreamCredentialType extends Node {
  @Field(() => UpstreamProvider, { description: 'The provider it is a key for.' })
  provider!: UpstreamProviderName;

  @Field({ description: "The admins' name for it, unique per provider." })
  name!: string;

  @Field(() => String, { nullable: true, description: "Where calls with it go; null: the data-plane's configured base URL for the provider." })
  baseUrl!: string | null;

  @Field({ description: 'The last four characters of the secret, to tell keys apart (fewer for a secret under 16 characters: never more than a quarter of it).' })
  secretLastFour!: string;

  @Field(() => Int, { description: `${WEIGHT}.` })
  weight!: number;

  @Field({ description: 'Whether the data-plane may use it.' })
  enabled!: boolean;

  @Field({ description: 'When it was added.' })
  createdAt!: Date;

  @Field({ description: 'When it was last changed.' })
  updatedAt!: Date;

  static from(credential: UpstreamCredential): UpstreamCredentialType {
    return Object.assign(new UpstreamCredentialType(), {
      id: toGlobalId('UpstreamCredential', credential.id),
      provider: credential.provider,
      name: credential.name,
      baseUrl: credential.baseUrl,
      secretLastFour: credential.secretLastFour,
      weight: credential.weight,
      enabled: credential.enabled,
      createdAt: credential.createdAt,
      updatedAt: credential.updatedAt,
    });
  }
}

export const UpstreamCredentialConnection = Connection('UpstreamCredential', UpstreamCredentialType, 'A page of upstream credentials, the most recently added first.');

/** The arguments of Query.upstreamCredentials. */
@ArgsType()
export class UpstreamCredentialsArgs extends ConnectionArgs {
  @Field(() => UpstreamProvider, { nullable: true, description: "Only this provider's credentials; every provider's when left out." })
  provider?: UpstreamProviderName | null;
}

@InputType({ description: 'A new credential for a provider.' })
export class UpstreamCredentialCreateInput {
  @Field(() => UpstreamProvider, { description: 'The provider it is a key for.' })
  provider!: UpstreamProviderName;

  @Field({ description: `A name for it, 1–${MAX_NAME_LENGTH} characters, unique per provider.` })
  name!: string;

  @Field({ description: `The provider's API key, 1–${MAX_SECRET_LENGTH} printable ASCII characters without spaces (surrounding whitespace is trimmed). Stored encrypted; never returned.` })
  secret!: string;

  @Field(() => String, { nullable: true, description: `${BASE_URL}; left out or null: the data-plane's configured base URL for the provider.` })
  baseUrl?: string | null;

  @Field(() => Int, { defaultValue: 1, description: `${WEIGHT}.` })
  weight!: number;

  @Field({ defaultValue: true, description: 'Whether the data-plane may use it at once.' })
  enabled!: boolean;
}

@InputType({ description: 'Changes to a credential; fields left out (or null, except baseUrl) stay as they are. Its provider never changes.' })
export class UpstreamCredentialUpdateInput {
  @Field(() => ID, { description: 'The credential to change.' })
  id!: string;

  @Field(() => String, { nullable: true, description: `A new name, 1–${MAX_NAME_LENGTH} characters, unique per provider.` })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'A new API key for it (a rotation). Stored encrypted; never returned.' })
  secret?: string | null;

  @Field(() => String, { nullable: true, description: `${BASE_URL}; null clears it (the data-plane's configured base URL again).` })
  baseUrl?: string | null;

  @Field(() => Int, { nullable: true, description: `${WEIGHT}.` })
  weight?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the data-plane may use it.' })
  enabled?: boolean | null;
}

@InputType({ description: 'The credential to delete.' })
export class UpstreamCredentialDeleteInput {
  @Field(() => ID, { description: 'The credential to delete.' })
  id!: string;
}

@ObjectType({ description: 'The result of upstreamCredentialCreate.' })
export class UpstreamCredentialCreatePayload {
  @Field(() => UpstreamCredentialType, { nullable: true, description: 'The new credential, or null when userErrors is not empty.' })
  upstreamCredential!: UpstreamCredentialType | null;

  @Field(() => [UserError], { description: 'Why no credential was created.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of upstreamCredentialUpdate.' })
export class UpstreamCredentialUpdatePayload {
  @Field(() => UpstreamCredentialType, { nullable: true, description: 'The changed credential, or null when userErrors is not empty.' })
  upstreamCredential!: UpstreamCredentialType | null;

  @Field(() => [UserError], { description: 'Why the credential was not changed.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of upstreamCredentialDelete.' })
export class UpstreamCredentialDeletePayload {
  @Field(() => ID, { nullable: true, description: 'The id of the deleted credential, or null when userErrors is not empty.' })
  deletedId!: string | null;

  @Field(() => [UserError], { description: 'Why no credential was deleted.' })
  userErrors!: UserError[];
}
