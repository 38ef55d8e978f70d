import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { MODEL_CAPABILITIES, PROVIDERS, type ModelCapability as Capability } from '../../../shared/catalogue.js';
import { Connection, ConnectionArgs } from '../../graphql/connection.js';
import { Money } from '../../graphql/money.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import type { CatalogueModel, PriceVersion } from './catalogue.entity.js';

/** GraphQL enum values (SCREAMING_SNAKE) for the capabilities stored in lower case. */
export const ModelCapability = Object.fromEntries(MODEL_CAPABILITIES.map((c) => [c.toUpperCase(), c])) as {
  readonly [K in Capability as Uppercase<K>]: K;
};

registerEnumType(ModelCapability, {
  name: 'ModelCapability',
  description: 'Something a model can do.',
  valuesConfig: {
    CHAT: { description: 'Chat completions (OpenAI chat completions, Anthropic messages, Gemini generateContent).' },
    STREAMING: { description: 'Answers streamed as server-sent events.' },
    TOOLS: { description: 'Tool (function) calling.' },
    VISION: { description: 'Images in the input.' },
    EMBEDDINGS: { description: 'Embeddings of text.' },
    RESPONSES: { description: "OpenAI's Responses API." },
  },
});

const PROVIDER_LIST = PROVIDERS.map((p) => `\`${p}\``).join(', ');

@ObjectType('ModelPrice', {
  implements: Node,
  description:
    "One version of a model's price, in US dollars per million tokens, in effect from `effectiveFrom` until the next version takes over. " +
    'A version never changes once set: every usage event keeps the version it was costed with.',
})
export class ModelPriceType extends Node {
  @Field({ description: 'From when calls are costed with this price (a call counts by when it arrived).' })
  effectiveFrom!: Date;

  @Field(() => Money, { description: 'Per million input tokens neither read from nor written to a prompt cache.' })
  inputPerMillion!: Money;

  @Field(() => Money, { description: "Per million input tokens read from the provider's prompt cache." })
  cachedInputPerMillion!: Money;

  @Field(() => Money, { description: "Per million input tokens written to the provider's prompt cache for its default lifetime (Anthropic: five minutes)." })
  cacheWritePerMillion!: Money;

  @Field(() => Money, { description: 'Per million input tokens written to a one-hour prompt cache (Anthropic\'s `cache_control.ttl: "1h"`).' })
  cacheWrite1hPerMillion!: Money;

  @Field(() => Money, { description: 'Per million output tokens other than reasoning.' })
  outputPerMillion!: Money;

  @Field(() => Money, { description: 'Per million output tokens spent on reasoning.' })
  reasoningPerMillion!: Money;

  @Field({ description: 'When this version was set.' })
  createdAt!: Date;

  /** For the model field resolver; not part of the schema. */
  modelId!: string;

  static from(version: PriceVersion): ModelPriceType {
    return Object.assign(new ModelPriceType(), {
      id: toGlobalId('ModelPrice', version.id),
      effectiveFrom: version.effectiveFrom,
      inputPerMillion: Money.fromMicroUsd(version.inputMicroUsdPerM),
      cachedInputPerMillion: Money.fromMicroUsd(version.cachedInputMicroUsdPerM),
      cacheWritePerMillion: Money.fromMicroUsd(version.cacheWriteMicroUsdPerM),
      cacheWrite1hPerMillion: Money.fromMicroUsd(version.cacheWrite1hMicroUsdPerM),
      outputPerMillion: Money.fromMicroUsd(version.outputMicroUsdPerM),
      reasoningPerMillion: Money.fromMicroUsd(version.reasoningMicroUsdPerM),
      createdAt: version.createdAt,
      modelId: version.model.id,
    });
  }
}

export const ModelPriceConnection = Connection('ModelPrice', ModelPriceType, 'A page of price versions, the most recently set first.');

@ObjectType('Model', {
  implements: Node,
  description: 'A model of the catalogue: the public name clients call, who serves it, what it can do and what it costs.',
})
export class ModelType extends Node {
  @Field({ description: 'The public name clients send as `model` (for example `gpt-4o-mini`); never changes.' })
  name!: string;

  @Field({ description: `The provider that serves it: one of ${PROVIDER_LIST}.` })
  provider!: string;

  @Field({ description: 'The name the provider knows the model by; TokenByte sends it upstream in place of the public name.' })
  upstreamModel!: string;

  @Field(() => [ModelCapability], { description: 'What the model can do.' })
  capabilities!: Capability[];

  @Field({ description: 'Whether clients may call it; a disabled model is refused by the data-plane and left out of model lists.' })
  enabled!: boolean;

  @Field({ description: 'When the model was added to the catalogue.' })
  createdAt!: Date;

  @Field({ description: 'When the model was last changed (not counting its prices).' })
  updatedAt!: Date;

  /** For the price field resolvers; not part of the schema. */
  modelId!: string;

  static from(model: CatalogueModel): ModelType {
    return Object.assign(new ModelType(), {
      id: toGlobalId('Model', model.id),
      name: model.publicName,
      provider: model.provider,
      upstreamModel: model.upstreamModel,
      capabilities: model.capabilities as Capability[],
      enabled: model.enabled,
      createdAt: model.createdAt,
      updatedAt: model.updatedAt,
      modelId: model.id,
    });
  }
}

export const ModelConnection = Connection('Model', ModelType, 'A page of catalogue models, the most recently added first.');

@ArgsType()
export class ModelsArgs extends ConnectionArgs {
  @Field({ defaultValue: false, description: 'Also list disabled models (admins only).' })
  includeDisabled!: boolean;
}

const PRICE_FORMAT = 'US dollars per million tokens as a decimal string, at most six decimals (for example "0.15")';

@InputType({ description: `A model's prices, in ${PRICE_FORMAT}. A price left out is stored as the price it defaults to.` })
export class ModelPriceInput {
  @Field({ description: 'Per million input tokens neither read from nor written to a prompt cache.' })
  inputPerMillion!: string;

  @Field({ description: 'Per million output tokens.' })
  outputPerMillion!: string;

  @Field(() => String, { nullable: true, description: 'Per million input tokens read from a prompt cache; defaults to inputPerMillion.' })
  cachedInputPerMillion?: string | null;

  @Field(() => String, { nullable: true, description: 'Per million input tokens written to a prompt cache; defaults to inputPerMillion.' })
  cacheWritePerMillion?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Per million input tokens written to a one-hour prompt cache (Anthropic\'s `cache_control.ttl: "1h"`); defaults to cacheWritePerMillion.',
  })
  cacheWrite1hPerMillion?: string | null;

  @Field(() => String, { nullable: true, description: 'Per million reasoning tokens; defaults to outputPerMillion.' })
  reasoningPerMillion?: string | null;
}

@InputType({ description: 'A new model for the catalogue.' })
export class ModelCreateInput {
  @Field({ description: 'The public name clients will send (1–128 letters, digits and `.`, `_`, `:`, `-`); unique and never changed.' })
  name!: string;

  @Field({ description: `The provider that serves it: one of ${PROVIDER_LIST}.` })
  provider!: string;

  @Field(() => String, { nullable: true, description: "The provider's name for the model; defaults to `name`." })
  upstreamModel?: string | null;

  @Field(() => [ModelCapability], { description: 'What the model can do (at least one).' })
  capabilities!: Capability[];

  @Field({ defaultValue: true, description: 'Whether clients may call it at once.' })
  enabled!: boolean;

  @Field(() => ModelPriceInput, { description: 'Its first price, in effect from now: a model is never served without one.' })
  price!: ModelPriceInput;
}

@InputType({ description: 'Changes to a model; fields left out stay as they are. Prices change through modelPriceSet.' })
export class ModelUpdateInput {
  @Field(() => ID, { description: 'The model to change.' })
  id!: string;

  @Field(() => String, { nullable: true, description: `The provider that serves it: one of ${PROVIDER_LIST}.` })
  provider?: string | null;

  @Field(() => String, { nullable: true, description: "The provider's name for the model." })
  upstreamModel?: string | null;

  @Field(() => [ModelCapability], { nullable: true, description: 'What the model can do (at least one); replaces the list.' })
  capabilities?: Capability[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether clients may call it.' })
  enabled?: boolean | null;
}

@InputType({ description: 'A new price version for a model.' })
export class ModelPriceSetInput {
  @Field(() => ID, { description: 'The model to price.' })
  model!: string;

  @Field(() => ModelPriceInput, { description: 'The new prices.' })
  price!: ModelPriceInput;

  @Field(() => Date, {
    nullable: true,
    description: 'When the price takes effect: now when left out, otherwise an instant not in the past. Earlier versions stay as they were.',
  })
  effectiveFrom?: Date | null;
}

@ObjectType({ description: 'The result of modelCreate.' })
export class ModelCreatePayload {
  @Field(() => ModelType, { nullable: true, description: 'The new model, or null when userErrors is not empty.' })
  model!: ModelType | null;

  @Field(() => [UserError], { description: 'Why no model was created.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of modelUpdate.' })
export class ModelUpdatePayload {
  @Field(() => ModelType, { nullable: true, description: 'The changed model, or null when userErrors is not empty.' })
  model!: ModelType | null;

  @Field(() => [UserError], { description: 'Why the model was not changed.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The result of modelPriceSet.' })
export class ModelPriceSetPayload {
  @Field(() => ModelPriceType, { nullable: true, description: 'The new price version, or null when userErrors is not empty.' })
  price!: ModelPriceType | null;

  @Field(() => ModelType, { nullable: true, description: 'The model priced, or null when userErrors is not empty.' })
  model!: ModelType | null;

  @Field(() => [UserError], { description: 'Why no price was set.' })
  userErrors!: UserError[];
}
