import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { newId } from '../../../shared/ids.js';
import type { UpstreamProviderName } from '../../../shared/upstream-credentials.js';

/**
 * One of TokenByte's own API keys for an upstream provider (migration 0009). The
 * control-plane writes it; the data-planes read it and call the provider with it.
 */
@Entity({ tableName: 'upstream_credential' })
@Unique({ name: 'upstream_credential_provider_name_unique', properties: ['provider', 'name'] })
export class UpstreamCredential {
  /** Also the additional authenticated data of the sealed secret: a sealed value opens only on its own row. */
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'text' })
  provider!: UpstreamProviderName;

  /** The admins' name for it, unique per provider. */
  @Property({ type: 'text' })
  name!: string;

  /** Null: the data-plane's configured base URL for the provider. */
  @Property({ type: 'text', nullable: true })
  baseUrl: Opt<string> | null = null;

  /**
   * `sealCredential(secret, key, id)`. Lazy (never loaded unless asked for, the
   * control-plane has no use for it) and hidden (never serialised).
   */
  @Property({ type: 'text', lazy: true, hidden: true })
  secretSealed!: string;

  /** The last characters of the secret, to tell credentials apart (see `secretLastFour`). */
  @Property({ type: 'text' })
  secretLastFour!: string;

  /** Share of the provider's traffic, 0–1000; 0 is a standby, used only when every weighted credential failed. */
  @Property({ type: 'integer' })
  weight: Opt<number> = 1;

  @Property({ type: 'boolean' })
  enabled: Opt<boolean> = true;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Opt<Date> = new Date();
}
