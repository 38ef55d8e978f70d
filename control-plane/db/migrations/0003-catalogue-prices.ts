import { Migration } from '@mikro-orm/migrations';

const PRICE_COLUMNS = ['input', 'cached_input', 'cache_write', 'output', 'reasoning'];

/**
 * The model catalogue and its versioned prices, and the cost of every usage event.
 * Prices are integers in micro-USD per million tokens; a cost is an integer in
 * pico-USD (see shared/pricing.ts). A price version is never updated or deleted:
 * usage events point at the version they were costed with, so history never changes.
 */
export class Migration0003CataloguePrices extends Migration {
  override name = '0003-catalogue-prices';

  override up(): void {
    this.addSql(`create table "catalogue_model" (
      "id" uuid not null primary key,
      "public_name" varchar(128) not null constraint "catalogue_model_public_name_unique" unique,
      "provider" varchar(32) not null,
      "upstream_model" varchar(128) not null,
      "capabilities" text[] not null default '{}',
      "enabled" boolean not null default true,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null)`);

    const prices = PRICE_COLUMNS.map(
      (kind) => `"${kind}_micro_usd_per_m" bigint not null constraint "price_version_${kind}_check" check ("${kind}_micro_usd_per_m" >= 0)`,
    );
    // No unique (model, effective_from): of two versions at one instant the later set wins
    // (by id, a UUIDv7), the same rule on both planes.
    this.addSql(`create table "price_version" (
      "id" uuid not null primary key,
      "model_id" uuid not null constraint "price_version_model_id_foreign" references "catalogue_model" ("id") on delete restrict,
      "effective_from" timestamptz not null,
      ${prices.join(',\n      ')},
      "created_at" timestamptz not null,
      "created_by_id" uuid null constraint "price_version_created_by_id_foreign" references "account" ("id") on delete set null)`);
    this.addSql(`create index "price_version_model_id_effective_from_index" on "price_version" ("model_id", "effective_from")`);

    // Rows written before this migration keep cost 0 and no price version: they were never costed.
    this.addSql(`alter table "usage_event"
      add column "cache_write_tokens" bigint not null default 0,
      add column "price_version_id" uuid null constraint "usage_event_price_version_id_foreign" references "price_version" ("id") on delete restrict,
      add column "cost_picousd" bigint not null default 0`);
  }
}
