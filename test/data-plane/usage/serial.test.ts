import { describe, expect, it } from 'vitest';
import { isPermanentRowError } from '../../../data-plane/usage/insert.js';
import { createLock, retryDelayMs } from '../../../data-plane/usage/serial.js';

describe('usage writer retry policy', () => {
  it('doubles the delay per failed retry from retryIntervalMs and caps it at 30 s', () => {
    const noJitter = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 1_000, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(retryDelayMs(1_000, 1_000, noJitter)).toBe(30_000);
    expect(retryDelayMs(0, 1_000, () => 0)).toBe(800);
    expect(retryDelayMs(0, 1_000, () => 1)).toBe(1_200);
  });

  it('retries connection failures and timeouts, dead-letters only row-level data and integrity errors', () => {
    const err = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'USAGE_INSERT_TIMEOUT', '57P01', '08006', '53300', '42P01', '40001']) {
      expect(isPermanentRowError(err(code)), code).toBe(false);
    }
    expect(isPermanentRowError(new Error('no code'))).toBe(false);
    for (const code of ['23503', '23502', '22003', '22P02', '22001', 'MALFORMED']) {
      expect(isPermanentRowError(err(code)), code).toBe(true);
    }
  });

  it('runs locked sections one at a time, in call order, even when one fails', async () => {
    const lock = createLock();
    const log: string[] = [];
    const section = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
    };
    await Promise.allSettled([lock.run(section('a', 20, true)), lock.run(section('b', 1)), lock.run(section('c', 5))]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });
});
