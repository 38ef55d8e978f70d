import { Migration } from '@mikro-orm/migrations';

/**
 * TokenByte's own credentials for the upstream providers, several per provider, managed
 * by admins. The secret is stored only sealed (AES-256-GCM, the row's id bound in, see
 * shared/upstream-credentials.ts), with its last four characters for display. A null
 * base URL means the data-plane's configured base URL for the provider; weight 0 is a
 * standby, used only when every weighted credential failed.
 */
export class Migration0009UpstreamCredentials extends Migration {
  override name = '0009-upstream-credentials';

  override up(): void {
    this.addSql(`create table "upstream_credential" (
      "id" uuid not null primary key,
      "provider" text not null constraint "upstream_credential_provider_check" check ("provider" in ('openai', 'anthropic', 'gemini')),
      "name" text not null,
      "base_url" text null,
      "secret_sealed" text not null,
      "secret_last_four" text not null,
      "weight" integer not null default 1 constraint "upstream_credential_weight_check" check ("weight" between 0 and 1000),
      "enabled" boolean not null default true,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "upstream_credential_provider_name_unique" unique ("provider", "name"))`);
  }
}
