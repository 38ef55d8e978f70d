import type { H3Event } from 'h3';
import { UsageStatus } from '../../../shared/usage-event.js';
import type { Catalogue } from '../../catalogue/catalogue.js';
import { proxyRoute, type ProxyDeps } from '../../proxy/call.js';
import { modelAllowed } from './chat-request.js';

/**
 * `GET /v1/models`: the catalogue's enabled models that the key may call, in OpenAI's
 * list shape, whichever provider serves them (`owned_by`). Answered from memory: the
 * upstreams' own lists name models TokenByte may not offer, and miss ones it does.
 * Listing calls no model and consumes no tokens, so it logs a line but records no usage.
 */
export function modelsHandler(deps: ProxyDeps): (event: H3Event) => unknown {
  return proxyRoute(deps, { recordsUsage: false }, async (call) => {
    if (!(await call.authenticate(deps.keys))) return;
    const body = modelList(deps.catalogue, call.key?.allowedModels ?? null, Date.now());
    const delivered = await call.send(200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
    call.finish({ status: delivered ? UsageStatus.SUCCESS : UsageStatus.CLIENT_ABORT, httpStatus: 200 });
  });
}

/** OpenAI's model list of the models callable now with a key restricted to `allowedModels` (null: any). */
export function modelList(catalogue: Catalogue, allowedModels: readonly string[] | null, now: number) {
  const data = catalogue
    .list()
    .filter((model) => model.priceAt(now) !== null && modelAllowed(allowedModels, model.publicName))
    .map((model) => ({ id: model.publicName, object: 'model' as const, created: Math.floor(model.createdAt / 1000), owned_by: model.provider }));
  return { object: 'list' as const, data };
}
