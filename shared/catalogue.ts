import { z } from 'zod';
import seedFile from './catalogue.json' with { type: 'json' };
import { parseUsdPerMillion, type Prices } from './pricing.js';

/**
 * The providers a catalogue model can be served by. Each is the name of a folder under
 * data-plane/providers/ and the `provider` recorded on usage events.
 */
export const PROVIDERS = ['openai', 'anthropic', 'gemini', 'simulated'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** What a model can do; the data-plane routes only to models that can do what a route asks. */
export const MODEL_CAPABILITIES = ['chat', 'streaming', 'tools', 'vision', 'embeddings', 'responses'] as const;
export type ModelCapability = (typeof MODEL_CAPABILITIES)[number];

/** Public and upstream model names: what clients send and providers accept (e.g. `gpt-4.1`, `ft:gpt-4o-mini:acme::id`). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Whether `name` may be a public or upstream model name (1–128 characters, no spaces or slashes). */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}

/** Whether `provider` is one TokenByte can route to. */
export function isProvider(provider: string): provider is Provider {
  return (PROVIDERS as readonly string[]).includes(provider);
}

/** One model of the catalogue as the seed file describes it, prices in µ$ per million tokens. */
export interface CatalogueModelSpec {
  /** The public name clients send. */
  name: string;
  provider: Provider;
  /** The name the provider knows the model by. */
  upstreamModel: string;
  capabilities: ModelCapability[];
  prices: Prices;
}

/** Prices where only input and output are known: the rest default to them, explicitly. */
export interface PartialPrices {
  input: number;
  output: number;
  cachedInput?: number | null | undefined;
  cacheWrite?: number | null | undefined;
  cacheWrite1h?: number | null | undefined;
  reasoning?: number | null | undefined;
}

/**
 * Fills the prices a provider does not set apart: cached input and cache writes cost
 * what input costs, one-hour cache writes what cache writes cost, reasoning what output
 * costs. The result is stored as it is, so a later change of these defaults can never
 * reprice history.
 */
export function pricesWithDefaults(p: PartialPrices): Prices {
  const cacheWrite = p.cacheWrite ?? p.input;
  return {
    input: p.input,
    cachedInput: p.cachedInput ?? p.input,
    cacheWrite,
    cacheWrite1h: p.cacheWrite1h ?? cacheWrite,
    output: p.output,
    reasoning: p.reasoning ?? p.output,
  };
}

const usd = z.string().transform((text, ctx) => {
  const micro = parseUsdPerMillion(text);
  if (micro === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a price in dollars per million tokens with at most six decimals` });
    return z.NEVER;
  }
  return micro;
});

const fileSchema = z.object({
  currency: z.literal('USD'),
  models: z.array(
    z.object({
      name: z.string().regex(MODEL_NAME),
      provider: z.enum(PROVIDERS),
      upstreamModel: z.string().regex(MODEL_NAME).optional(),
      capabilities: z.array(z.enum(MODEL_CAPABILITIES)).min(1),
      prices: z.object({ input: usd, output: usd, cachedInput: usd.optional(), cacheWrite: usd.optional(), cacheWrite1h: usd.optional(), reasoning: usd.optional() }),
    }),
  ),
});

/**
 * Parses a catalogue file (the format of shared/catalogue.json). Throws with every
 * problem listed when it is invalid or names a model twice.
 */
export function parseCatalogueFile(json: unknown): CatalogueModelSpec[] {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`invalid catalogue file:\n${z.prettifyError(parsed.error)}`);
  const models = parsed.data.models.map((m) => ({
    name: m.name,
    provider: m.provider,
    upstreamModel: m.upstreamModel ?? m.name,
    capabilities: [...new Set(m.capabilities)],
    prices: pricesWithDefaults(m.prices),
  }));
  const names = models.map((m) => m.name);
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length > 0) throw new Error(`invalid catalogue file: models named more than once: ${twice.join(', ')}`);
  return models;
}

let seed: readonly CatalogueModelSpec[] | undefined;

/** The committed seed catalogue (shared/catalogue.json), parsed once. */
export function catalogueSeed(): readonly CatalogueModelSpec[] {
  seed ??= Object.freeze(parseCatalogueFile(seedFile));
  return seed;
}
