import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { AccountResolver } from '../modules/account/account.resolver.js';
import { AccountApiKeysResolver, ApiKeyResolver } from '../modules/api-key/api-key.resolver.js';
import { SecurityEventResolver } from '../modules/security-event/security-event.resolver.js';
import { SessionResolver } from '../modules/session/session.resolver.js';
import { UsageEventResolver, UsageResolver } from '../modules/usage/usage.resolver.js';
import { authChecker, authorizedFieldNames, denyByDefault } from './auth.js';
import { NodeResolver } from './node.resolver.js';

export const resolvers = [AccountResolver, SessionResolver, SecurityEventResolver, ApiKeyResolver, AccountApiKeysResolver, UsageResolver, UsageEventResolver, NodeResolver] as const;

let built: Promise<GraphQLSchema> | undefined;

/** Builds the code-first schema once per process (type-graphql's metadata is global). */
export function buildTokenByteSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    globalMiddlewares: [denyByDefault(authorizedFieldNames())],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Inputs are checked in the services, where failures become userErrors.
    validate: false,
  });
  return built;
}
