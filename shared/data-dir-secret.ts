import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The size of every generated data-folder secret: 256 bits. */
export const DATA_DIR_SECRET_BYTES = 32;

/**
 * A secret kept in the data folder: read from `<dataDir>/<fileName>` (64 hex
 * characters), or generated once with 256 random bits and written there readable by
 * the owner only (mode 0600), so that a restart, and every plane sharing the folder,
 * reuses it. Two processes starting at once agree on one secret: the file appears
 * complete or not at all (a hard link of a fully written temporary file), and the
 * loser reads the winner's. A file that is not 64 hex characters is an error, never
 * silently replaced: data sealed or hashed with the old secret would be lost.
 */
export function readOrCreateDataDirSecret(dataDir: string, fileName: string): Buffer {
  const file = path.join(dataDir, fileName);
  const existing = readSecretFile(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(DATA_DIR_SECRET_BYTES);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, secret.toString('hex'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created it meanwhile: theirs is the one.
    const theirs = readSecretFile(file);
    if (!theirs) throw new Error(`${file} vanished while it was being created`);
    return theirs;
  } finally {
    unlinkSync(temporary);
  }
}

function readSecretFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!new RegExp(`^[0-9a-fA-F]{${DATA_DIR_SECRET_BYTES * 2}}$`).test(text)) {
    throw new Error(`${file} does not hold ${DATA_DIR_SECRET_BYTES * 2} hex characters; restore it from a backup (deleting it loses what it protects)`);
  }
  return Buffer.from(text, 'hex');
}
