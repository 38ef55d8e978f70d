import { deleteCookie, getCookie, H3, setCookie } from 'h3';
import { clientIp } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { resolvePepper } from '../shared/pepper.js';
import { resolveCredentialsKey } from '../shared/upstream-credentials.js';
import type { Logger } from '../shared/logger.js';
import type { ControlPlaneConfig } from './config.js';
import type { Database } from './db/orm.js';
import type { Context, Services } from './graphql/context.js';
import { createGraphQLHandler } from './graphql/http.js';
import { createLoaders } from './graphql/loaders.js';
import { buildTokenByteSchema } from './graphql/schema.js';
import { createAccountService } from './modules/account/account.service.js';
import { createApiKeyService } from './modules/api-key/api-key.service.js';
import { createCatalogueService } from './modules/catalogue/catalogue.service.js';
import { createPolicyService } from './modules/policy/policy.service.js';
import { createExportDownloadHandler } from './modules/privacy/export-download.js';
import { createLoginThrottle } from './modules/security-event/login-throttle.js';
import { createSessionService } from './modules/session/session.service.js';
import { createUpstreamCredentialService } from './modules/upstream-credential/upstream-credential.service.js';

export interface ControlPlane {
  app: H3;
  services: Services;
  stop(): Promise<void>;
}

/** The name of the session cookie: `__Host-` binds it to this exact origin over TLS. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-tb_session' : 'tb_session';
}

/** Wires the control-plane's HTTP routes: `/graphql` and the health checks. */
export async function createControlPlane(deps: { config: ControlPlaneConfig; db: Database; logger: Logger }): Promise<ControlPlane> {
  const { config, db, logger } = deps;
  const sessions = createSessionService(config.session);
  const services: Services = {
    sessions,
    accounts: createAccountService({ sessions, throttle: createLoginThrottle(config.loginThrottle) }),
    apiKeys: createApiKeyService({ pepper: resolvePepper(config.apiKeyPepper, config.dataDir) }),
    catalogue: createCatalogueService(),
    policies: createPolicyService({ db, logger }),
    upstreamCredentials: createUpstreamCredentialService({ key: resolveCredentialsKey(config.upstreamCredentialsKey, config.dataDir) }),
  };
  const cookieName = sessionCookieName(config.session.secureCookie);
  const cookieOptions: NonNullable<Parameters<typeof setCookie>[3]> = { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: '/' };

  const graphql = await createGraphQLHandler({
    schema: await buildTokenByteSchema(),
    logger,
    introspection: config.graphql.introspection,
    exposeErrorDetails: config.graphql.exposeErrorDetails,
    async context(event, requestId): Promise<Context> {
      const em = db.fork();
      const token = getCookie(event, cookieName);
      return {
        requestId,
        logger: logger.child({ requestId }),
        em,
        meta: { ip: clientIp(event, config.http.trustProxy), userAgent: event.req.headers.get('user-agent') },
        viewer: token ? await sessions.authenticate(em, token) : null,
        services,
        loaders: createLoaders(em),
        config,
        sessionCookie: {
          set: (value, expiresAt) => setCookie(event, cookieName, value, { ...cookieOptions, expires: expiresAt }),
          clear: () => deleteCookie(event, cookieName, cookieOptions),
        },
      };
    },
  });

  const app = new H3();
  app.use(async (event, next) => {
    const requestId = newId();
    event.context.requestId = requestId;
    const started = performance.now();
    const response = await next();
    logger.info(
      { requestId, method: event.req.method, path: event.url.pathname, status: (response as Response | undefined)?.status, ms: Math.round(performance.now() - started) },
      'request',
    );
    return response;
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    await db.fork().getConnection().execute('select 1');
    return { status: 'ready' };
  });
  app.all('/graphql', async (event) => {
    const requestId = String(event.context.requestId);
    const response = await graphql.handle(event, requestId);
    response.headers.set('x-request-id', requestId);
    return response;
  });
  // Data export archives: the owner's session cookie and an unexpired link token (privacy §6 "Export").
  app.get('/exports/:id', createExportDownloadHandler({ db, sessions, cookieName, trustProxy: config.http.trustProxy }));

  return {
    app,
    services,
    async stop() {
      await graphql.stop();
      // A policy announcement under way finishes its batch before the database closes.
      await services.policies.drain();
    },
  };
}
