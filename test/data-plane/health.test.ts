import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataPlaneApp } from '../../data-plane/app.js';
import { createStaticCatalogue } from '../../data-plane/catalogue/static.js';
import { dataPlaneConfigFrom } from '../../data-plane/config.js';
import { deriveBoundIdKeys } from '../../data-plane/providers/openai/response-ids.js';
import { listen, type Listening } from '../../shared/http.js';
import { createLogger } from '../../shared/logger.js';

let http: Listening;
let ready = true;
beforeAll(async () => {
  const app = createDataPlaneApp({
    config: dataPlaneConfigFrom({ DATA_PLANE_PORT: '0' }),
    logger: createLogger({ level: 'silent', name: 'test' }),
    keys: { authenticate: () => Promise.resolve(null) },
    usage: { record: () => undefined },
    catalogue: createStaticCatalogue([]),
    idKeys: deriveBoundIdKeys(Buffer.from('test pepper', 'utf8')),
    ready: async () => ready,
  });
  http = await listen(app, '127.0.0.1', 0);
});
afterAll(() => http?.close());

describe('data-plane health', () => {
  it('answers /healthz', async () => {
    const response = await fetch(`${http.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when ready and 503 when not', async () => {
    expect((await fetch(`${http.url}/readyz`)).status).toBe(200);
    ready = false;
    const response = await fetch(`${http.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not ready' });
    ready = true;
  });

  it('answers an unknown route with 404 in OpenAI error shape', async () => {
    const response = await fetch(`${http.url}/v1/nothing-here`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: 'Unknown route: POST /v1/nothing-here', type: 'invalid_request_error', param: null, code: 'unknown_url' },
    });
  });

  it('sets no cookie', async () => {
    for (const p of ['/healthz', '/readyz', '/v1/nothing-here']) expect((await fetch(`${http.url}${p}`)).headers.getSetCookie()).toEqual([]);
  });
});
