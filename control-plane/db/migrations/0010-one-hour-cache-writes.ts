import { Migration } from '@mikro-orm/migrations';

/**
 * Anthropic bills a write to a one-hour prompt cache (`cache_control.ttl: "1h"`) higher
 * than one to the default five-minute cache, and reports it apart
 * (`usage.cache_creation.ephemeral_1h_input_tokens`). A price version gets that price,
 * and a usage event the part of its cache writes that went to a one-hour cache.
 *
 * Existing price versions get their cache-write price as the one-hour price: that is what
 * their calls were costed with, and a version never changes meaning. Admins set the
 * one-hour price with a new version (modelPriceSet). Existing usage events get 0: their
 * cost already counted every cache write at the cache-write price.
 */
export class Migration0010OneHourCacheWrites extends Migration {
  override name = '0010-one-hour-cache-writes';

  override up(): void {
    this.addSql(`alter table "price_version" add column "cache_write_1h_micro_usd_per_m" bigint null`);
    this.addSql(`update "price_version" set "cache_write_1h_micro_usd_per_m" = "cache_write_micro_usd_per_m"`);
    this.addSql(`alter table "price_version"
      alter column "cache_write_1h_micro_usd_per_m" set not null,
      add constraint "price_version_cache_write_1h_check" check ("cache_write_1h_micro_usd_per_m" >= 0)`);
    this.addSql(`alter table "usage_event" add column "cache_write_1h_tokens" bigint not null default 0`);
  }
}
