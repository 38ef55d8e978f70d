import { readFileSync } from 'node:fs';

/** The label of the privacy policy in force when versioning began (migration 0005 seeds it). */
export const FIRST_POLICY_VERSION = '1';

export const FIRST_POLICY_SUMMARY =
  'The privacy policy in force when TokenByte began recording policy versions: what we collect, why, how long we keep it, and your rights.';

// `tsc` copies no text files into dist/, so the compiled migration looks for the
// text beside itself first and then in the source tree the build came from.
const CANDIDATES = [new URL('./policy-v1.txt', import.meta.url), new URL('../../../../control-plane/modules/policy/policy-v1.txt', import.meta.url)];

/** The full text of policy version "1", as published to users (control-plane/modules/policy/policy-v1.txt). */
export function loadFirstPolicyText(): string {
  for (const candidate of CANDIDATES) {
    try {
      return readFileSync(candidate, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`policy-v1.txt not found (looked at ${CANDIDATES.map((c) => c.pathname).join(', ')})`, {
    cause: { code: 'POLICY_SEED_MISSING' },
  });
}
