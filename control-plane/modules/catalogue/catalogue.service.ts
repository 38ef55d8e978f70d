import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { isProvider, isValidModelName, MODEL_CAPABILITIES, pricesWithDefaults } from '../../../shared/catalogue.js';
import { CATALOGUE_CHANNEL } from '../../../shared/key-events.js';
import { parseUsdPerMillion, type Prices } from '../../../shared/pricing.js';
import type { Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import type { Problem, Result } from '../account/account.service.js';
import { noAudit, type AuditHook } from '../audit/audit.js';
import { CatalogueModel, priceColumns, PriceVersion } from './catalogue.entity.js';

/** The catalogue's size limit: a model list is a bounded thing, and so is each data-plane's copy. */
export const MAX_MODELS = 1_000;

/** Prices as a client sends them: US dollars per million tokens, decimal strings. */
export interface PriceInput {
  inputPerMillion: string;
  outputPerMillion: string;
  cachedInputPerMillion?: string | null;
  cacheWritePerMillion?: string | null;
  cacheWrite1hPerMillion?: string | null;
  reasoningPerMillion?: string | null;
}

export interface ModelCreateInput {
  name: string;
  provider: string;
  upstreamModel?: string | null;
  capabilities: string[];
  enabled: boolean;
  price: PriceInput;
}

export interface ModelUpdateInput {
  provider?: string | null;
  upstreamModel?: string | null;
  capabilities?: string[] | null;
  enabled?: boolean | null;
}

export interface PriceSetInput {
  price: PriceInput;
  effectiveFrom?: Date | null;
}

const notFound: Problem = { field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such model.' };


/** Tells every data-plane instance to reload its catalogue. */
export async function announceCatalogueChange(em: Em, publicName: string): Promise<void> {
  await em.getConnection().execute('select pg_notify(?, ?)', [CATALOGUE_CHANNEL, publicName]);
}

/**
 * Catalogue management for admins. Every change is announced on the catalogue channel
 * after it is committed, so the data-planes reload within milliseconds.
 */
export function createCatalogueService(deps: { now?: () => Date } = {}) {
  const now = deps.now ?? (() => new Date());

  return {
    async create(em: Em, admin: Account, input: ModelCreateInput, audit: AuditHook = noAudit): Promise<Result<CatalogueModel>> {
      const name = input.name.trim();
      const upstreamModel = input.upstreamModel?.trim() || name;
      const problems: Problem[] = [];
      if (!isValidModelName(name)) problems.push(invalid(['input', 'name'], 'The name is 1–128 letters, digits and `.`, `_`, `:`, `-`, starting with a letter or digit.'));
      problems.push(...checkModel({ provider: input.provider, upstreamModel, capabilities: input.capabilities }));
      const prices = parsePrices(input.price, ['input', 'price']);
      if (!prices.ok) problems.push(...prices.problems);
      if (problems.length === 0 && (await em.count(CatalogueModel, { publicName: name })) > 0) {
        problems.push({ field: ['input', 'name'], code: 'TAKEN', message: 'A model with this name exists already.' });
      }
      if (problems.length === 0 && (await em.count(CatalogueModel, {})) >= MAX_MODELS) {
        problems.push({ field: null, code: 'LIMIT_REACHED', message: `The catalogue holds at most ${MAX_MODELS} models.` });
      }
      if (!prices.ok || problems.length > 0) return { ok: false, problems };
      const at = now();
      const model = em.create(CatalogueModel, {
        publicName: name,
        provider: input.provider,
        upstreamModel,
        capabilities: [...new Set(input.capabilities)],
        enabled: input.enabled,
        createdAt: at,
        updatedAt: at,
      });
      em.create(PriceVersion, { model, effectiveFrom: at, createdAt: at, createdBy: admin, ...priceColumns(prices.value) });
      audit(em, { type: 'Model', id: model.id }, { name, provider: input.provider, upstreamModel, enabled: input.enabled, pricesMicroUsdPerM: prices.value });
      try {
        await em.flush();
      } catch (error) {
        // Another admin created the same name between the check and the insert.
        if (error instanceof UniqueConstraintViolationException) {
          return { ok: false, problems: [{ field: ['input', 'name'], code: 'TAKEN', message: 'A model with this name exists already.' }] };
        }
        throw error;
      }
      await announceCatalogueChange(em, model.publicName);
      return { ok: true, value: model };
    },

    async update(em: Em, id: string, input: ModelUpdateInput, audit: AuditHook = noAudit): Promise<Result<CatalogueModel>> {
      const model = await em.findOne(CatalogueModel, { id });
      if (!model) return { ok: false, problems: [notFound] };
      const next = {
        provider: input.provider ?? model.provider,
        upstreamModel: input.upstreamModel?.trim() ?? model.upstreamModel,
        capabilities: input.capabilities ?? model.capabilities,
      };
      const problems = checkModel(next);
      if (problems.length > 0) return { ok: false, problems };
      model.provider = next.provider;
      model.upstreamModel = next.upstreamModel;
      model.capabilities = [...new Set(next.capabilities)];
      if (input.enabled != null) model.enabled = input.enabled;
      model.updatedAt = now();
      audit(em, { type: 'Model', id: model.id }, { name: model.publicName, ...next, enabled: model.enabled });
      await em.flush();
      await announceCatalogueChange(em, model.publicName);
      return { ok: true, value: model };
    },

    /** Adds a price version; earlier ones are never touched, so usage already costed keeps its price. */
    async setPrice(em: Em, admin: Account, modelId: string, input: PriceSetInput, audit: AuditHook = noAudit): Promise<Result<PriceVersion>> {
      const model = await em.findOne(CatalogueModel, { id: modelId });
      if (!model) return { ok: false, problems: [{ ...notFound, field: ['input', 'model'] }] };
      const prices = parsePrices(input.price, ['input', 'price']);
      const at = now();
      const effectiveFrom = input.effectiveFrom ?? at;
      const problems = prices.ok ? [] : prices.problems;
      if (effectiveFrom.getTime() < at.getTime()) {
        problems.push(invalid(['input', 'effectiveFrom'], 'A price cannot take effect in the past; leave effectiveFrom out for now.'));
      }
      if (!prices.ok || problems.length > 0) return { ok: false, problems };
      const version = em.create(PriceVersion, { model, effectiveFrom, createdAt: at, createdBy: admin, ...priceColumns(prices.value) });
      audit(em, { type: 'ModelPrice', id: version.id }, { model: model.publicName, effectiveFrom: effectiveFrom.toISOString(), pricesMicroUsdPerM: prices.value });
      await em.flush();
      await announceCatalogueChange(em, model.publicName);
      return { ok: true, value: version };
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;

function checkModel(m: { provider: string; upstreamModel: string; capabilities: readonly string[] }): Problem[] {
  const problems: Problem[] = [];
  if (!isProvider(m.provider)) problems.push(invalid(['input', 'provider'], `Unknown provider "${m.provider}".`));
  if (!isValidModelName(m.upstreamModel)) problems.push(invalid(['input', 'upstreamModel'], 'The upstream model is 1–128 letters, digits and `.`, `_`, `:`, `-`.'));
  if (m.capabilities.length === 0 || m.capabilities.some((c) => !(MODEL_CAPABILITIES as readonly string[]).includes(c))) {
    problems.push(invalid(['input', 'capabilities'], 'List at least one capability.'));
  }
  return problems;
}

/** Parses every price exactly (see shared/pricing.ts), then fills the defaults so the stored version is explicit. */
function parsePrices(input: PriceInput, path: string[]): Result<Prices> {
  const problems: Problem[] = [];
  const parse = (field: keyof PriceInput, text: string | null | undefined): number | null => {
    if (text == null) return null;
    const micro = parseUsdPerMillion(text);
    if (micro === null) problems.push(invalid([...path, field], `"${text}" is not a price in dollars per million tokens (a decimal with at most six decimals, up to 1000000).`));
    return micro;
  };
  const input_ = parse('inputPerMillion', input.inputPerMillion);
  const output = parse('outputPerMillion', input.outputPerMillion);
  const cachedInput = parse('cachedInputPerMillion', input.cachedInputPerMillion);
  const cacheWrite = parse('cacheWritePerMillion', input.cacheWritePerMillion);
  const cacheWrite1h = parse('cacheWrite1hPerMillion', input.cacheWrite1hPerMillion);
  const reasoning = parse('reasoningPerMillion', input.reasoningPerMillion);
  if (problems.length > 0 || input_ === null || output === null) return { ok: false, problems };
  return { ok: true, value: pricesWithDefaults({ input: input_, output, cachedInput, cacheWrite, cacheWrite1h, reasoning }) };
}

function invalid(field: string[], message: string): Problem {
  return { field, code: 'INVALID', message };
}
