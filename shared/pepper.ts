import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PEPPER_FILE = 'api-key-pepper';

/**
 * The server-side secret that API-key hashes are keyed with. Both planes must use
 * the same one: from API_KEY_PEPPER when set (required in production, where the
 * planes run apart), otherwise generated once into the data folder and reused.
 */
export function resolvePepper(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, PEPPER_FILE);
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const pepper = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(file, pepper.toString('hex'), { mode: 0o600, flag: 'wx' });
    return pepper;
  } catch {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }
}
