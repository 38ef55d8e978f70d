import type { Context } from '../../graphql/context.js';
import type { Node } from '../../graphql/node.js';
import { Role } from '../account/account.entity.js';
import { JobRun } from '../job-run/job-run.entity.js';
import { JobRunType } from '../job-run/job-run.types.js';
import { AdminAudit } from './admin-audit.entity.js';
import { AdminAuditEntryType } from './admin-audit.types.js';

/** `node(id)` for the admins-only types: an audit entry or a job run; null for everyone else. */
export async function findAdminNode(ctx: Context, type: 'AdminAuditEntry' | 'JobRun', id: string): Promise<Node | null> {
  if (ctx.viewer?.account.role !== Role.ADMIN) return null;
  if (type === 'JobRun') {
    const run = await ctx.em.findOne(JobRun, { id });
    return run ? JobRunType.from(run) : null;
  }
  const entry = await ctx.em.findOne(AdminAudit, { id });
  return entry ? AdminAuditEntryType.from(entry) : null;
}
