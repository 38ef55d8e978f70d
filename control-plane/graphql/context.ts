import type { Logger } from '../../shared/logger.js';
import type { ControlPlaneConfig } from '../config.js';
import type { Em } from '../db/orm.js';
import type { AccountService } from '../modules/account/account.service.js';
import type { ApiKeyService } from '../modules/api-key/api-key.service.js';
import type { CatalogueService } from '../modules/catalogue/catalogue.service.js';
import type { PolicyService } from '../modules/policy/policy.service.js';
import type { RequestMeta } from '../modules/security-event/security-event.service.js';
import type { Session } from '../modules/session/session.entity.js';
import type { SessionService } from '../modules/session/session.service.js';
import type { UpstreamCredentialService } from '../modules/upstream-credential/upstream-credential.service.js';
import type { createLoaders } from './loaders.js';

export interface Services {
  accounts: AccountService;
  apiKeys: ApiKeyService;
  catalogue: CatalogueService;
  policies: PolicyService;
  sessions: SessionService;
  upstreamCredentials: UpstreamCredentialService;
}

/** The session cookie of this response: the only cookie TokenByte ever sets. */
export interface SessionCookie {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

/** Everything a resolver gets: one per GraphQL request. */
export interface Context {
  requestId: string;
  logger: Logger;
  /** A fork of the entity manager for this request only. */
  em: Em;
  meta: RequestMeta;
  /** The caller's live session (with its account), or null when not logged in. */
  viewer: Session | null;
  services: Services;
  loaders: ReturnType<typeof createLoaders>;
  sessionCookie: SessionCookie;
  config: ControlPlaneConfig;
}
