import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Role } from '../modules/account/account.entity.js';
import { AccountType } from '../modules/account/account.types.js';
import { ApiKey } from '../modules/api-key/api-key.entity.js';
import { ApiKeyType } from '../modules/api-key/api-key.types.js';
import { auditAdminRead } from '../modules/audit/audit.js';
import { findAdminNode } from '../modules/audit/admin-nodes.js';
import { findCatalogueNode } from '../modules/catalogue/catalogue.resolver.js';
import { findOwnNotification } from '../modules/notification/notification.resolver.js';
import { findPolicyVersionNode } from '../modules/policy/policy.resolver.js';
import { DataExportType } from '../modules/privacy/data-export.types.js';
import { DataExport } from '../modules/privacy/privacy.entity.js';
import { SecurityEvent } from '../modules/security-event/security-event.entity.js';
import { SecurityEventObject } from '../modules/security-event/security-event.types.js';
import { Session } from '../modules/session/session.entity.js';
import { SessionType } from '../modules/session/session.types.js';
import { findUpstreamCredentialNode } from '../modules/upstream-credential/upstream-credential.resolver.js';
import { findUsageEvent } from '../modules/usage/usage.service.js';
import { UsageEventType } from '../modules/usage/usage.types.js';
import type { Context } from './context.js';
import { fromGlobalId, Node } from './node.js';

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description: 'Fetches any object by its global id; null when it does not exist or is not mine (admins see every account).',
  })
  async node(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'A global id.' }) id: string): Promise<Node | null> {
    const ref = fromGlobalId(id);
    if (!ref) return null;
    const viewer = ctx.viewer!;
    const isAdmin = viewer.account.role === Role.ADMIN;
    switch (ref.type) {
      case 'Account': {
        if (ref.id !== viewer.account.id && !isAdmin) return null;
        const account = await ctx.loaders.account.load(ref.id);
        if (account && ref.id !== viewer.account.id) await auditAdminRead(ctx, 'node', { type: 'Account', id: ref.id });
        return account ? AccountType.from(account) : null;
      }
      case 'ApiKey': {
        const key = await ctx.em.findOne(ApiKey, isAdmin ? { id: ref.id } : { id: ref.id, account: viewer.account.id });
        if (key && key.account.id !== viewer.account.id) await auditAdminRead(ctx, 'node', { type: 'ApiKey', id: ref.id });
        return key ? ApiKeyType.from(key) : null;
      }
      case 'Session': {
        const session = await ctx.em.findOne(Session, { id: ref.id, account: viewer.account.id });
        return session ? SessionType.from(session, viewer.id) : null;
      }
      case 'SecurityEvent': {
        const event = await ctx.em.findOne(SecurityEvent, { id: ref.id, account: viewer.account.id });
        return event ? SecurityEventObject.from(event) : null;
      }
      case 'Model':
      case 'ModelPrice':
        return findCatalogueNode(ctx, ref.type, ref.id);
      case 'DataExport': {
        // Only the owner: an export is a copy of someone's whole data, not for admins to browse.
        const dataExport = await ctx.em.findOne(DataExport, { id: ref.id, account: viewer.account.id });
        return dataExport ? DataExportType.from(dataExport) : null;
      }
      case 'Notification':
        // Only the owner's, admins included: a feed is personal correspondence.
        return findOwnNotification(ctx, ref.id);
      case 'PolicyVersion':
        return findPolicyVersionNode(ctx, ref.id);
      case 'UsageEvent': {
        const event = await findUsageEvent(ctx.em, ref.id, isAdmin ? null : viewer.account.id);
        if (event && event.accountId !== viewer.account.id) await auditAdminRead(ctx, 'node', { type: 'UsageEvent', id: ref.id });
        return event ? UsageEventType.from(event) : null;
      }
      case 'AdminAuditEntry':
      case 'JobRun':
        return findAdminNode(ctx, ref.type, ref.id);
      case 'UpstreamCredential':
        return findUpstreamCredentialNode(ctx, ref.id);
      default:
        return null;
    }
  }
}
