import { ArrayType, BigIntType, type Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import type { Prices } from '../../../shared/pricing.js';
import { Account } from '../account/account.entity.js';

/** A public model name and where it is served: what clients send, what the data-plane routes. */
@Entity({ tableName: 'catalogue_model' })
export class CatalogueModel {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** The name clients send; never changes, because usage and key allowlists refer to it. */
  @Property({ type: 'string', length: 128, unique: true })
  publicName!: string;

  @Property({ type: 'string', length: 32 })
  provider!: string;

  @Property({ type: 'string', length: 128 })
  upstreamModel!: string;

  @Property({ type: ArrayType, columnType: 'text[]' })
  capabilities!: string[];

  /** A disabled model is refused by the data-plane and left out of model lists. */
  @Property({ type: 'boolean' })
  enabled: Opt<boolean> = true;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Opt<Date> = new Date();
}

// Prices are bigint columns read as numbers: validated to at most MAX_PRICE_MICRO_USD (1e12), safe integers.
const price = (column: string) => ({ type: new BigIntType('number'), fieldName: column });

/**
 * One price of a model from `effectiveFrom` on, integers in micro-USD per million tokens.
 * Never updated or deleted: a usage event names the version it was costed with.
 */
@Entity({ tableName: 'price_version' })
export class PriceVersion {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => CatalogueModel, { deleteRule: 'restrict' })
  model!: CatalogueModel;

  @Property({ type: 'datetime' })
  effectiveFrom!: Date;

  @Property(price('input_micro_usd_per_m'))
  inputMicroUsdPerM!: number;

  @Property(price('cached_input_micro_usd_per_m'))
  cachedInputMicroUsdPerM!: number;

  @Property(price('cache_write_micro_usd_per_m'))
  cacheWriteMicroUsdPerM!: number;

  @Property(price('cache_write_1h_micro_usd_per_m'))
  cacheWrite1hMicroUsdPerM!: number;

  @Property(price('output_micro_usd_per_m'))
  outputMicroUsdPerM!: number;

  @Property(price('reasoning_micro_usd_per_m'))
  reasoningMicroUsdPerM!: number;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  /** The admin who set it; null for the seed (and once that account is deleted). */
  @ManyToOne(() => Account, { nullable: true, deleteRule: 'set null' })
  createdBy: Opt<Account> | null = null;
}

/** The entity fields of a price version for these prices. */
export function priceColumns(prices: Prices) {
  return {
    inputMicroUsdPerM: prices.input,
    cachedInputMicroUsdPerM: prices.cachedInput,
    cacheWriteMicroUsdPerM: prices.cacheWrite,
    cacheWrite1hMicroUsdPerM: prices.cacheWrite1h,
    outputMicroUsdPerM: prices.output,
    reasoningMicroUsdPerM: prices.reasoning,
  };
}
