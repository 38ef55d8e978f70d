import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { AccountResolver } from '../modules/account/account.resolver.js';
import { AccountApiKeysResolver, ApiKeyResolver } from '../modules/api-key/api-key.resolver.js';
import { SecurityEventResolver } from '../modules/security-event/security-event.resolver.js';
import { SessionResolver } from '../modules/session/session.resolver.js';
import { UsageEventResolver, UsageResolver } from '../modules/usage/usage.resolver.js';
import { CatalogueResolver, ModelPriceResolver } from '../modules/catalogue/catalogue.resolver.js';
import { AccountStateResolver } from '../modules/account-state/account-state.resolver.js';
import { DeletionResolver } from '../modules/deletion/deletion.resolver.js';
import { RestrictionResolver } from '../modules/restriction/restriction.resolver.js';
import { SuspensionResolver } from '../modules/suspension/suspension.resolver.js';
import { DataExportResolver } from '../modules/privacy/data-export.resolver.js';
import { AccountPendingEmailResolver, PrivacyResolver } from '../modules/privacy/privacy.resolver.js';
import { NotificationResolver } from '../modules/notification/notification.resolver.js';
import { AccountPolicyResolver, PolicyResolver, PolicyVersionViewResolver } from '../modules/policy/policy.resolver.js';
import { AdminAuditResolver } from '../modules/audit/admin-audit.resolver.js';
import { adminOnlyFieldNames, auditAdminMutations } from '../modules/audit/audit.middleware.js';
import { JobRunResolver } from '../modules/job-run/job-run.resolver.js';
import { UsageStatisticsResolver } from '../modules/statistics/statistics.resolver.js';
import { UpstreamCredentialResolver } from '../modules/upstream-credential/upstream-credential.resolver.js';
import { authChecker, authorizedFieldNames, denyByDefault } from './auth.js';
import { NodeResolver } from './node.resolver.js';

export const resolvers = [AccountResolver, SessionResolver, SecurityEventResolver, ApiKeyResolver, AccountApiKeysResolver, UsageResolver, UsageEventResolver, AccountStateResolver, DeletionResolver, RestrictionResolver, SuspensionResolver, CatalogueResolver, ModelPriceResolver, PrivacyResolver, AccountPendingEmailResolver, DataExportResolver, NotificationResolver, PolicyResolver, PolicyVersionViewResolver, AccountPolicyResolver, AdminAuditResolver, JobRunResolver, UsageStatisticsResolver, UpstreamCredentialResolver, NodeResolver] as const;

let built: Promise<GraphQLSchema> | undefined;

/** Builds the code-first schema once per process (type-graphql's metadata is global). */
export function buildTokenByteSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    globalMiddlewares: [denyByDefault(authorizedFieldNames()), auditAdminMutations(adminOnlyFieldNames())],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Inputs are checked in the services, where failures become userErrors.
    validate: false,
  });
  return built;
}
