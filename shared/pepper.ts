import { readOrCreateDataDirSecret } from './data-dir-secret.js';

export const PEPPER_FILE = 'api-key-pepper';

/**
 * The server-side secret that API-key hashes are keyed with. Both planes must use
 * the same one: from API_KEY_PEPPER when set (required in production, where the
 * planes run apart), otherwise generated once into the data folder and reused.
 */
export function resolvePepper(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  return readOrCreateDataDirSecret(dataDir, PEPPER_FILE);
}
