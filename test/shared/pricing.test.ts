import { describe, expect, it } from 'vitest';
import { costOf, formatMicroUsd, formatPicoUsd, parseUsdPerMillion, type BilledTokens, type Prices } from '../../shared/pricing.js';

const tokens = (t: Partial<BilledTokens>): BilledTokens => ({
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  ...t,
});
const flat = (p: number): Prices => ({ input: p, cachedInput: p, cacheWrite: p, cacheWrite1h: p, output: p, reasoning: p });

describe('costOf: exact integer pico-dollars', () => {
  it('n tokens at p micro-dollars per million cost exactly n·p pico-dollars', () => {
    // $0.15 per million: one token costs $0.00000015 = 150,000 pico-dollars.
    expect(costOf(tokens({ inputTokens: 1 }), flat(150_000))).toBe(150_000n);
    expect(formatPicoUsd(costOf(tokens({ inputTokens: 1_000 }), flat(150_000)))).toBe('0.000150000000');
    // A million tokens at $0.15 per million is $0.15, exactly.
    expect(formatPicoUsd(costOf(tokens({ inputTokens: 1_000_000 }), flat(150_000)))).toBe('0.150000000000');
  });

  it('stays exact far past 2^53: a billion tokens at $1000 per million is $1,000,000 (1e18 pico-dollars)', () => {
    const cost = costOf(tokens({ inputTokens: 1_000_000_000 }), flat(1_000_000_000));
    expect(cost).toBe(10n ** 18n);
    expect(cost > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(formatPicoUsd(cost)).toBe('1000000.000000000000');
    // One token more is still counted to the pico-dollar: a float would have lost the last digits.
    expect(formatPicoUsd(costOf(tokens({ inputTokens: 1_000_000_001 }), flat(1_000_000_000)))).toBe('1000000.001000000000');
    expect(formatPicoUsd(costOf(tokens({ inputTokens: 999_999_999, outputTokens: 3 }), { ...flat(999_999_999), output: 1 }))).toBe('999999.998000000004');
    expect(formatPicoUsd(costOf(tokens({ inputTokens: 1_000_000_000, outputTokens: 1 }), { ...flat(1_000_000_000), output: 7 }))).toBe('1000000.000000000007');
  });

  it('bills every part of input and output at its own price, each token once', () => {
    const prices: Prices = { input: 3_000_000, cachedInput: 300_000, cacheWrite: 3_750_000, cacheWrite1h: 6_000_000, output: 15_000_000, reasoning: 20_000_000 };
    const cost = costOf(tokens({ inputTokens: 1_000, cachedInputTokens: 600, cacheWriteTokens: 300, outputTokens: 500, reasoningTokens: 200 }), prices);
    // (1000 − 600 − 300)·3 + 600·0.3 + 300·3.75 + (500 − 200)·15 + 200·20, in µ$/M = pico-dollars per token.
    expect(cost).toBe(100n * 3_000_000n + 600n * 300_000n + 300n * 3_750_000n + 300n * 15_000_000n + 200n * 20_000_000n);
    expect(formatPicoUsd(cost)).toBe('0.010105000000');
  });

  it('bills cache writes to a one-hour cache at their own price, the rest of the cache writes at the cache-write price', () => {
    const prices: Prices = { input: 3_000_000, cachedInput: 300_000, cacheWrite: 3_750_000, cacheWrite1h: 6_000_000, output: 15_000_000, reasoning: 15_000_000 };
    const cost = costOf(tokens({ inputTokens: 1_000, cachedInputTokens: 100, cacheWriteTokens: 700, cacheWrite1hTokens: 500, outputTokens: 10 }), prices);
    // (1000 − 100 − 700)·3 + 100·0.3 + (700 − 500)·3.75 + 500·6 + 10·15.
    expect(cost).toBe(200n * 3_000_000n + 100n * 300_000n + 200n * 3_750_000n + 500n * 6_000_000n + 10n * 15_000_000n);
    // Anthropic's list prices: a one-hour write costs 2× input, a five-minute one 1.25×; moving 500 tokens costs 500·(6 − 3.75) more.
    const fiveMinutesOnly = costOf(tokens({ inputTokens: 1_000, cachedInputTokens: 100, cacheWriteTokens: 700, outputTokens: 10 }), prices);
    expect(cost - fiveMinutesOnly).toBe(500n * 2_250_000n);
  });

  it('caps a part larger than its whole instead of billing negative or twice', () => {
    const prices: Prices = { input: 10, cachedInput: 1, cacheWrite: 100, cacheWrite1h: 200, output: 1_000, reasoning: 10_000 };
    // 12 cached of 10 input: all 10 are cached, none written; 9 reasoning of 5 output: all 5 are reasoning.
    expect(costOf(tokens({ inputTokens: 10, cachedInputTokens: 12, cacheWriteTokens: 4, outputTokens: 5, reasoningTokens: 9 }), prices)).toBe(10n + 5n * 10_000n);
    // 7 cached and 7 written of 10 input: 7 cached, the remaining 3 written.
    expect(costOf(tokens({ inputTokens: 10, cachedInputTokens: 7, cacheWriteTokens: 7 }), prices)).toBe(7n + 3n * 100n);
    // 5 one-hour writes of 3 writes: all 3 are one-hour writes.
    expect(costOf(tokens({ inputTokens: 10, cachedInputTokens: 7, cacheWriteTokens: 3, cacheWrite1hTokens: 5 }), prices)).toBe(7n + 3n * 200n);
  });

  it('refuses counts and prices that are not non-negative safe integers', () => {
    expect(() => costOf(tokens({ inputTokens: -1 }), flat(1))).toThrow(RangeError);
    expect(() => costOf(tokens({ outputTokens: 1.5 }), flat(1))).toThrow(RangeError);
    expect(() => costOf(tokens({ inputTokens: 2 ** 53 }), flat(1))).toThrow(RangeError);
    expect(() => costOf(tokens({ inputTokens: 1 }), { ...flat(1), reasoning: -1 })).toThrow(RangeError);
    expect(() => costOf(tokens({ inputTokens: 1 }), { ...flat(1), input: 0.5 })).toThrow(RangeError);
  });

  it('costs nothing for no tokens or a free model', () => {
    expect(costOf(tokens({}), flat(1_000_000))).toBe(0n);
    expect(costOf(tokens({ inputTokens: 1_000_000, outputTokens: 1_000_000 }), flat(0))).toBe(0n);
    expect(formatPicoUsd(0n)).toBe('0.000000000000');
  });
});

describe('prices as decimal strings', () => {
  it('parses dollars per million exactly into micro-dollars per million', () => {
    expect(parseUsdPerMillion('0.15')).toBe(150_000);
    expect(parseUsdPerMillion('2')).toBe(2_000_000);
    expect(parseUsdPerMillion('0.075')).toBe(75_000);
    expect(parseUsdPerMillion('18.75')).toBe(18_750_000);
    expect(parseUsdPerMillion('0.000001')).toBe(1);
    expect(parseUsdPerMillion('1000000')).toBe(1_000_000_000_000);
    // 0.1 + 0.2 in floating point is not 0.3; here the digits are read, not computed.
    expect(parseUsdPerMillion('0.3')).toBe(300_000);
  });

  it('refuses what is not an exact, non-negative price within range', () => {
    for (const text of ['', '-1', '+1', '1e3', '0.0000001', '1.', '.5', '1,5', 'NaN', 'Infinity', '0x10', '1000000.000001', '10000000', ' 1 2']) {
      expect(parseUsdPerMillion(text), text).toBeNull();
    }
  });

  it('formats micro-dollars with the decimals they need, at least two', () => {
    expect(formatMicroUsd(150_000)).toBe('0.15');
    expect(formatMicroUsd(2_000_000)).toBe('2.00');
    expect(formatMicroUsd(75_000)).toBe('0.075');
    expect(formatMicroUsd(1)).toBe('0.000001');
    expect(formatMicroUsd(0)).toBe('0.00');
    expect(formatMicroUsd(1_000_000_000_000)).toBe('1000000.00');
    for (const text of ['0.15', '2.00', '0.075', '18.75', '0.000001']) expect(formatMicroUsd(parseUsdPerMillion(text)!)).toBe(text);
  });

  it('formats pico-dollars with all twelve decimals, whatever the size', () => {
    expect(formatPicoUsd(1n)).toBe('0.000000000001');
    expect(formatPicoUsd(999_999_999_999n)).toBe('0.999999999999');
    expect(formatPicoUsd(1_000_000_000_000n)).toBe('1.000000000000');
    expect(formatPicoUsd(2n ** 64n)).toBe('18446744.073709551616');
  });
});
