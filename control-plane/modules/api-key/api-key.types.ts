import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import type { ApiKey } from './api-key.entity.js';

export const ApiKeyStatus = { ACTIVE: 'ACTIVE', EXPIRED: 'EXPIRED', REVOKED: 'REVOKED' } as const;
export type ApiKeyStatus = (typeof ApiKeyStatus)[keyof typeof ApiKeyStatus];

registerEnumType(ApiKeyStatus, {
  name: 'ApiKeyStatus',
  description: 'Whether a key is accepted by the data-plane.',
  valuesConfig: {
    ACTIVE: { description: 'Accepted.' },
    EXPIRED: { description: 'Refused: its expiry has passed.' },
    REVOKED: { description: 'Refused: it was revoked.' },
  },
});

@ObjectType('ApiKey', { implements: Node, description: 'A key for calling models through the data-plane. Its secret is shown once, at creation or rotation.' })
export class ApiKeyType extends Node {
  @Field({ description: 'A name to tell keys apart.' })
  name!: string;

  @Field({ description: 'The start of the key (`tbk_` and its public id), safe to show.' })
  displayPrefix!: string;

  @Field({ description: 'The last four characters of the current secret.' })
  lastFour!: string;

  @Field(() => [String], { nullable: true, description: 'The models this key may call; null means every model.' })
  allowedModels!: string[] | null;

  @Field(() => ApiKeyStatus, { description: 'Whether the data-plane accepts the key now.' })
  status!: ApiKeyStatus;

  @Field({ description: 'When the key was created.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the key stops working, if it expires.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (to about a minute).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'After a rotation with a grace period: until when the previous secret still works.' })
  previousSecretValidUntil!: Date | null;

  static from(key: ApiKey, now = new Date()): ApiKeyType {
    return Object.assign(new ApiKeyType(), {
      id: toGlobalId('ApiKey', key.id),
      name: key.name,
      displayPrefix: key.displayPrefix,
      lastFour: key.lastFour,
      allowedModels: key.allowedModels,
      status: key.revokedAt ? ApiKeyStatus.REVOKED : key.expiresAt && key.expiresAt <= now ? ApiKeyStatus.EXPIRED : ApiKeyStatus.ACTIVE,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      revokedAt: key.revokedAt,
      lastUsedAt: key.lastUsedAt,
      previousSecretValidUntil: key.previousValidUntil && key.previousValidUntil > now ? key.previousValidUntil : null,
    });
  }
}

export const ApiKeyConnection = Connection('ApiKey', ApiKeyType, 'A page of API keys, newest first.');

@InputType({ description: 'A new API key.' })
export class ApiKeyCreateInput {
  @Field({ description: 'A name to tell keys apart (1–100 characters).' })
  name!: string;

  @Field(() => [String], { nullable: true, description: 'Restrict the key to these models (public names); leave out to allow every model.' })
  allowedModels?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'When the key stops working; leave out for a key that does not expire.' })
  expiresAt?: Date | null;
}

@ObjectType({ description: 'The result of apiKeyCreate.' })
export class ApiKeyCreatePayload {
  @Field(() => ApiKeyType, { nullable: true, description: 'The new key, or null when userErrors is not empty.' })
  apiKey!: ApiKeyType | null;

  @Field(() => String, { nullable: true, description: 'The full key. Shown only this once: TokenByte keeps only a hash of it.' })
  secret!: string | null;

  @Field(() => [UserError], { description: 'Why no key was created.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of apiKeyRotate.' })
export class ApiKeyRotatePayload {
  @Field(() => ApiKeyType, { nullable: true, description: 'The rotated key, or null when userErrors is not empty.' })
  apiKey!: ApiKeyType | null;

  @Field(() => String, { nullable: true, description: 'The new full key. Shown only this once.' })
  secret!: string | null;

  @Field(() => [UserError], { description: 'Why the key was not rotated.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of apiKeyRevoke.' })
export class ApiKeyRevokePayload {
  @Field(() => ApiKeyType, { nullable: true, description: 'The revoked key, or null when userErrors is not empty.' })
  apiKey!: ApiKeyType | null;

  @Field(() => [UserError], { description: 'Why nothing was revoked.' })
  userErrors!: UserError[];
}
