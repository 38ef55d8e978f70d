import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, paginate, type ConnectionShape } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { forbidden } from '../../graphql/errors.js';
import { fromGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import { Role } from '../account/account.entity.js';
import { auditHook } from '../audit/audit.js';
import { CatalogueModel, PriceVersion } from './catalogue.entity.js';
import {
  ModelConnection,
  ModelCreateInput,
  ModelCreatePayload,
  ModelPriceConnection,
  ModelPriceSetInput,
  ModelPriceSetPayload,
  ModelPriceType,
  ModelsArgs,
  ModelType,
  ModelUpdateInput,
  ModelUpdatePayload,
} from './catalogue.types.js';

const notFound = (field: string) => [UserError.from({ field: ['input', field], code: 'NOT_FOUND', message: 'No such model.' })];


@Resolver(() => ModelType)
export class CatalogueResolver {
  @Authorized()
  @Query(() => ModelConnection, {
    description: 'The models of the catalogue that can be called, with provider, capabilities and current price, the most recently added first.',
  })
  models(@Ctx() ctx: Context, @Args() { includeDisabled, ...page }: ModelsArgs): Promise<ConnectionShape<ModelType>> {
    if (includeDisabled && ctx.viewer!.account.role !== Role.ADMIN) throw forbidden();
    return paginate(ctx.em, CatalogueModel, includeDisabled ? {} : { enabled: true }, page, ModelType.from);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ModelCreatePayload, { description: 'Adds a model to the catalogue with its first price (admins only).' })
  async modelCreate(@Ctx() ctx: Context, @Arg('input', () => ModelCreateInput) input: ModelCreateInput): Promise<ModelCreatePayload> {
    const result = await ctx.services.catalogue.create(ctx.em, ctx.viewer!.account, input, auditHook(ctx, 'modelCreate'));
    return result.ok ? { model: ModelType.from(result.value), userErrors: [] } : { model: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ModelUpdatePayload, { description: "Changes a model's provider, upstream model, capabilities or whether it is enabled (admins only)." })
  async modelUpdate(@Ctx() ctx: Context, @Arg('input', () => ModelUpdateInput) input: ModelUpdateInput): Promise<ModelUpdatePayload> {
    const id = fromGlobalId(input.id, 'Model')?.id;
    if (!id) return { model: null, userErrors: notFound('id') };
    const result = await ctx.services.catalogue.update(ctx.em, id, input, auditHook(ctx, 'modelUpdate'));
    return result.ok ? { model: ModelType.from(result.value), userErrors: [] } : { model: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ModelPriceSetPayload, {
    description: 'Gives a model a new price version, in effect now or from a later instant; earlier versions are never changed (admins only).',
  })
  async modelPriceSet(@Ctx() ctx: Context, @Arg('input', () => ModelPriceSetInput) input: ModelPriceSetInput): Promise<ModelPriceSetPayload> {
    const id = fromGlobalId(input.model, 'Model')?.id;
    if (!id) return { price: null, model: null, userErrors: notFound('model') };
    const result = await ctx.services.catalogue.setPrice(ctx.em, ctx.viewer!.account, id, input, auditHook(ctx, 'modelPriceSet'));
    if (!result.ok) return { price: null, model: null, userErrors: result.problems.map(UserError.from) };
    return { price: ModelPriceType.from(result.value), model: ModelType.from(result.value.model), userErrors: [] };
  }

  @FieldResolver(() => ModelPriceType, { nullable: true, description: 'The price in effect now; null only before its first price takes effect.' })
  async currentPrice(@Root() model: ModelType, @Ctx() ctx: Context): Promise<ModelPriceType | null> {
    const version = await ctx.loaders.currentPrice.load(model.modelId);
    return version ? ModelPriceType.from(version) : null;
  }

  @FieldResolver(() => ModelPriceConnection, { description: 'Every price version, scheduled ones included, the most recently set first.' })
  priceHistory(@Root() model: ModelType, @Ctx() ctx: Context, @Args() page: ConnectionArgs): Promise<ConnectionShape<ModelPriceType>> {
    return paginate(ctx.em, PriceVersion, { model: model.modelId }, page, ModelPriceType.from);
  }
}

@Resolver(() => ModelPriceType)
export class ModelPriceResolver {
  @FieldResolver(() => ModelType, { description: 'The model this price is for.' })
  async model(@Root() price: ModelPriceType, @Ctx() ctx: Context): Promise<ModelType> {
    const model = await ctx.loaders.catalogueModel.load(price.modelId);
    // Models are never deleted, and the foreign key guarantees the row.
    if (!model) throw new Error(`price version without model ${price.modelId}`);
    return ModelType.from(model);
  }
}

/**
 * `node(id)` for catalogue objects. Any logged-in account may read prices (every usage
 * event points at one); a disabled model is shown to admins only, as in `models`.
 */
export async function findCatalogueNode(ctx: Context, type: 'Model' | 'ModelPrice', id: string): Promise<ModelType | ModelPriceType | null> {
  if (type === 'ModelPrice') {
    const version = await ctx.loaders.priceVersion.load(id);
    return version ? ModelPriceType.from(version) : null;
  }
  const model = await ctx.loaders.catalogueModel.load(id);
  if (!model || (!model.enabled && ctx.viewer!.account.role !== Role.ADMIN)) return null;
  return ModelType.from(model);
}
