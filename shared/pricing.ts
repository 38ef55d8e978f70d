/*
 * Money for billing, in integers only.
 *
 * Prices are micro-USD per million tokens (µ$/M): $0.15 per million tokens is 150000.
 * The cost of n tokens at p µ$/M is n·p·1e-6 $ / 1e6 = n·p pico-USD (1e-12 $), so every
 * cost is an exact integer in pico-USD and no rounding ever happens between a token
 * count and a bill. Costs are bigints (a usage_event row holds at most 2^63−1 pico-USD,
 * about $9.2 million); prices are safe integers (at most MAX_PRICE_MICRO_USD).
 */

/** The currency of every price and cost in TokenByte (ISO 4217). */
export const CURRENCY = 'USD';

/** Decimal places of a formatted cost: pico-USD are 1e-12 $. */
export const COST_DECIMALS = 12;

/** Decimal places a price may have: micro-USD are 1e-6 $. */
export const PRICE_DECIMALS = 6;

/** The highest accepted price: $1,000,000 per million tokens, far above any real one. */
export const MAX_PRICE_MICRO_USD = 1_000_000_000_000;

/**
 * One model's prices, integers in micro-USD per million tokens. Every field is stored
 * explicitly (a provider without a separate cached-input price gets the input price
 * written into `cachedInput`), so a stored price version means the same forever.
 */
export interface Prices {
  /** Input tokens neither read from nor written to a prompt cache. */
  input: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInput: number;
  /** Input tokens written to the provider's prompt cache (Anthropic's cache_creation_input_tokens), for its default lifetime (Anthropic: five minutes). */
  cacheWrite: number;
  /** Input tokens written to a one-hour prompt cache (Anthropic's `ttl: "1h"`, `ephemeral_1h_input_tokens`). */
  cacheWrite1h: number;
  /** Output tokens other than reasoning. */
  output: number;
  /** Output tokens spent on reasoning (thinking). */
  reasoning: number;
}

/** The price kinds, in the order they are listed everywhere. */
export const PRICE_KINDS = ['input', 'cachedInput', 'cacheWrite', 'cacheWrite1h', 'output', 'reasoning'] as const satisfies readonly (keyof Prices)[];

/**
 * Token counts in the normalised convention of shared/usage-event.ts: `inputTokens`
 * counts every input token (cached reads and cache writes included), `outputTokens`
 * every output token (reasoning included); the others are parts of those.
 */
export interface BilledTokens {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written to a one-hour cache. */
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

const TOKEN_FIELDS = ['inputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'cacheWrite1hTokens', 'outputTokens', 'reasoningTokens'] as const satisfies readonly (keyof BilledTokens)[];

/**
 * The exact cost of `tokens` at `prices`, in pico-USD:
 * (input − cached − cacheWrite)·input + cached·cachedInput
 * + (cacheWrite − cacheWrite1h)·cacheWrite + cacheWrite1h·cacheWrite1h
 * + (output − reasoning)·output + reasoning·reasoning.
 *
 * A part larger than its whole (a provider reporting more cached than input tokens) is
 * capped at the whole, so no token is billed twice and no term goes negative; every
 * token counted in `inputTokens` and `outputTokens` is billed exactly once.
 *
 * @throws RangeError when a count or price is not a non-negative safe integer (a bug upstream of billing).
 */
export function costOf(tokens: BilledTokens, prices: Prices): bigint {
  for (const name of TOKEN_FIELDS) assertCount(tokens[name], name);
  for (const kind of PRICE_KINDS) assertPrice(prices[kind], kind);
  const input = BigInt(tokens.inputTokens);
  const cached = min(BigInt(tokens.cachedInputTokens), input);
  const cacheWrite = min(BigInt(tokens.cacheWriteTokens), input - cached);
  const cacheWrite1h = min(BigInt(tokens.cacheWrite1hTokens), cacheWrite);
  const output = BigInt(tokens.outputTokens);
  const reasoning = min(BigInt(tokens.reasoningTokens), output);
  return (
    (input - cached - cacheWrite) * BigInt(prices.input) +
    cached * BigInt(prices.cachedInput) +
    (cacheWrite - cacheWrite1h) * BigInt(prices.cacheWrite) +
    cacheWrite1h * BigInt(prices.cacheWrite1h) +
    (output - reasoning) * BigInt(prices.output) +
    reasoning * BigInt(prices.reasoning)
  );
}

/**
 * A pico-USD amount as a decimal string of dollars with all 12 decimals, e.g. 150000000n
 * → "0.000150000000". Exact for any size; never goes through a float.
 */
export function formatPicoUsd(picoUsd: bigint): string {
  return formatScaled(picoUsd, COST_DECIMALS, COST_DECIMALS);
}

/**
 * A price in micro-USD per million tokens as dollars per million tokens, with the
 * decimals it needs but at least two, e.g. 150000 → "0.15", 2000000 → "2.00",
 * 75000 → "0.075".
 */
export function formatMicroUsd(microUsd: number | bigint): string {
  return formatScaled(BigInt(microUsd), PRICE_DECIMALS, 2);
}

/**
 * Parses dollars per million tokens ("0.15", "2", "0.075") into micro-USD per million
 * tokens, exactly. Null for anything else: a sign, an exponent, more than six decimals
 * (finer than a micro-dollar), or more than MAX_PRICE_MICRO_USD.
 */
export function parseUsdPerMillion(text: string): number | null {
  const match = /^(\d{1,7})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) return null;
  const micro = Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(PRICE_DECIMALS, '0'));
  return micro <= MAX_PRICE_MICRO_USD ? micro : null;
}

/** Whether `value` is a price this module accepts: a safe integer in [0, MAX_PRICE_MICRO_USD]. */
export function isValidPrice(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= MAX_PRICE_MICRO_USD;
}

function formatScaled(value: bigint, scale: number, minDecimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, -scale);
  let fraction = digits.slice(-scale);
  while (fraction.length > minDecimals && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}${fraction.length > 0 ? `.${fraction}` : ''}`;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function assertCount(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`token count ${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}

function assertPrice(value: number, kind: string): void {
  if (!isValidPrice(value)) throw new RangeError(`price ${kind} must be an integer in 0..${MAX_PRICE_MICRO_USD} µ$/M, got ${String(value)}`);
}
