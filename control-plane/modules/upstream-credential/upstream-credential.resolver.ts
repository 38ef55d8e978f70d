import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { paginate, type ConnectionShape } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { fromGlobalId, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Role } from '../account/account.entity.js';
import { auditHook } from '../audit/audit.js';
import { UpstreamCredential } from './upstream-credential.entity.js';
import { notFound } from './upstream-credential.rules.js';
import {
  UpstreamCredentialConnection,
  UpstreamCredentialCreateInput,
  UpstreamCredentialCreatePayload,
  UpstreamCredentialDeleteInput,
  UpstreamCredentialDeletePayload,
  UpstreamCredentialsArgs,
  UpstreamCredentialType,
  UpstreamCredentialUpdateInput,
  UpstreamCredentialUpdatePayload,
} from './upstream-credential.types.js';

const TYPE = 'UpstreamCredential';


/** The database id of a credential's global id; null for a malformed id or another type's. */
const credentialId = (id: string) => fromGlobalId(id, TYPE)?.id ?? null;

/** Provider credentials are admins' business only: every operation here is `Role.ADMIN`. */
@Resolver(() => UpstreamCredentialType)
export class UpstreamCredentialResolver {
  @Authorized(Role.ADMIN)
  @Query(() => UpstreamCredentialConnection, { description: "TokenByte's credentials for the upstream providers, the most recently added first; never their secrets (admins only)." })
  upstreamCredentials(@Ctx() ctx: Context, @Args() { provider, ...page }: UpstreamCredentialsArgs): Promise<ConnectionShape<UpstreamCredentialType>> {
    return paginate(ctx.em, UpstreamCredential, provider ? { provider } : {}, page, UpstreamCredentialType.from);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UpstreamCredentialCreatePayload, { description: 'Adds a credential for a provider; the data-planes start using it within seconds (admins only).' })
  async upstreamCredentialCreate(
    @Ctx() ctx: Context,
    @Arg('input', () => UpstreamCredentialCreateInput) input: UpstreamCredentialCreateInput,
  ): Promise<UpstreamCredentialCreatePayload> {
    const result = await ctx.services.upstreamCredentials.create(ctx.em, input, auditHook(ctx, 'upstreamCredentialCreate'));
    return result.ok
      ? { upstreamCredential: UpstreamCredentialType.from(result.value), userErrors: [] }
      : { upstreamCredential: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UpstreamCredentialUpdatePayload, {
    description: "Changes a credential's name, secret (a rotation), base URL, weight or whether it is enabled (admins only).",
  })
  async upstreamCredentialUpdate(
    @Ctx() ctx: Context,
    @Arg('input', () => UpstreamCredentialUpdateInput) { id, ...changes }: UpstreamCredentialUpdateInput,
  ): Promise<UpstreamCredentialUpdatePayload> {
    const dbId = credentialId(id);
    if (!dbId) return { upstreamCredential: null, userErrors: [UserError.from(notFound())] };
    const result = await ctx.services.upstreamCredentials.update(ctx.em, dbId, changes, auditHook(ctx, 'upstreamCredentialUpdate'));
    return result.ok
      ? { upstreamCredential: UpstreamCredentialType.from(result.value), userErrors: [] }
      : { upstreamCredential: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UpstreamCredentialDeletePayload, { description: 'Deletes a credential; the data-planes stop using it within seconds (admins only).' })
  async upstreamCredentialDelete(
    @Ctx() ctx: Context,
    @Arg('input', () => UpstreamCredentialDeleteInput) input: UpstreamCredentialDeleteInput,
  ): Promise<UpstreamCredentialDeletePayload> {
    const dbId = credentialId(input.id);
    if (!dbId) return { deletedId: null, userErrors: [UserError.from(notFound())] };
    const result = await ctx.services.upstreamCredentials.delete(ctx.em, dbId, auditHook(ctx, 'upstreamCredentialDelete'));
    return result.ok ? { deletedId: toGlobalId(TYPE, result.value.id), userErrors: [] } : { deletedId: null, userErrors: result.problems.map(UserError.from) };
  }
}

/** `node(id)` for a credential: admins only; null for everyone else, as for any object one may not see. */
export async function findUpstreamCredentialNode(ctx: Context, id: string): Promise<UpstreamCredentialType | null> {
  if (ctx.viewer?.account.role !== Role.ADMIN) return null;
  const credential = await ctx.em.findOne(UpstreamCredential, { id });
  return credential ? UpstreamCredentialType.from(credential) : null;
}
