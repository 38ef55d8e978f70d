import { H3 } from 'h3';
import type { Logger } from '../shared/logger.js';
import type { DataPlaneConfig } from './config.js';

/** Reports whether everything a request needs is reachable (grows with the proxy). */
export type ReadinessCheck = () => Promise<boolean>;

/** Routes and middleware order of the data-plane, nothing else. */
export function createDataPlaneApp(deps: { config: DataPlaneConfig; logger: Logger; ready?: ReadinessCheck }): H3 {
  const ready = deps.ready ?? (() => Promise.resolve(true));
  const app = new H3();
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async () =>
    (await ready())
      ? { status: 'ready' }
      : new Response(JSON.stringify({ status: 'not ready' }), { status: 503, headers: { 'content-type': 'application/json' } }),
  );
  // Anything else answers in OpenAI's error shape, as the SDKs expect.
  app.all('/**', (event) =>
    new Response(
      JSON.stringify({
        error: { message: `Unknown route: ${event.req.method} ${event.url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      }),
      { status: 404, headers: { 'content-type': 'application/json' } },
    ),
  );
  return app;
}
