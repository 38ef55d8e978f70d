/**
 * The durable spool: where usage events wait while the database is away.
 *
 * Format: one immutable NDJSON file ("segment") per spooled batch, one `UsageEvent`
 * as JSON per line, named `batch-<ms since epoch>-<writer tag>-<seq>-n<events>.ndjson`
 * so that names sort oldest first and the event count is known without reading.
 * A segment is written as `<name>.tmp`, fsynced, renamed into place and the directory
 * fsynced: a segment under its final name is always complete and survives power loss.
 * Immutable segments (rather than one append-only log) mean replay never races an
 * append, and deleting a replayed segment is one unlink.
 *
 * Replay claims a segment by renaming it to `<name>.<writer tag>.claimed`, so two
 * writers that see the same file do not both replay it; a segment is deleted only
 * after its events were inserted. Left-overs of a dead process are recovered in
 * `init()`: claimed segments are put back, and `.tmp` files (a crash mid-write) are
 * salvaged line by line, a torn last line being dropped.
 *
 * Each writer must have its own spool directory (`DATA_DIR/spool/<instance>`): sharing
 * one is not lossy — claims and idempotent inserts keep it exactly-once in the
 * database — but a writer starting up adopts every claimed segment it finds, so two
 * live writers may replay a segment twice.
 *
 * `dead-letter.ndjson` in the same directory collects events the database refused
 * for good. It holds personal data (IPs, user agents) like the segments do.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../shared/logger.js';
import type { UsageEvent } from '../../shared/usage-event.js';

const SEGMENT = /^batch-\d{15}-[0-9a-f]{8}-\d{8}-n(\d+)\.ndjson$/;
const CLAIMED = /^(batch-.+\.ndjson)\.[0-9a-f]{8}\.claimed$/;
const TMP = /^(batch-.+\.ndjson)\.tmp$/;
export const DEAD_LETTER_FILE = 'dead-letter.ndjson';

/** A claimed segment, read back. */
export interface SpoolSegment {
  readonly name: string;
  readonly events: UsageEvent[];
  /** Lines that are not usage events (disk corruption); the caller dead-letters them. */
  readonly invalidLines: string[];
  /** Deletes the segment: call only once its events are in the database. */
  remove(): Promise<void>;
  /** Gives the claim up, leaving the segment for a later replay. */
  release(): Promise<void>;
}

/** One line of the dead-letter file. */
export type DeadLetterEntry = { code: string; event: UsageEvent } | { code: 'UNPARSEABLE'; line: string };

export interface Spool {
  /** Creates the directory and recovers what a previous process left behind. */
  init(): Promise<void>;
  /** Durably stores a batch as a new segment; resolves once it would survive a power cut. */
  write(events: readonly UsageEvent[]): Promise<void>;
  /** The same, synchronously, for the rare event recorded after the writer closed. */
  writeSync(events: readonly UsageEvent[]): void;
  /** Known segment names, oldest first. */
  segments(): string[];
  /** Claims and reads a segment; null when it is gone (another writer took it). */
  claim(name: string): Promise<SpoolSegment | null>;
  /** Events in known segments. */
  count(): number;
  /** Appends entries to the dead-letter file, durably. */
  deadLetter(entries: readonly DeadLetterEntry[]): Promise<void>;
}

/** Creates the spool over `dir` (see the file comment for the format and its guarantees). */
export function createSpool(options: { dir: string; logger: Logger }): Spool {
  const { dir, logger } = options;
  // Tells this writer's segments and claims apart from another writer's.
  const tag = randomBytes(4).toString('hex');
  let seq = 0;
  const index = new Map<string, number>();

  function nextName(count: number): string {
    seq = (seq + 1) % 100_000_000;
    return `batch-${String(Date.now()).padStart(15, '0')}-${tag}-${String(seq).padStart(8, '0')}-n${count}.ndjson`;
  }

  async function write(events: readonly UsageEvent[]): Promise<void> {
    const name = nextName(events.length);
    const tmp = path.join(dir, `${name}.tmp`);
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(toNdjson(events));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path.join(dir, name));
    await syncDir(dir);
    index.set(name, events.length);
  }

  function writeSync(events: readonly UsageEvent[]): void {
    const name = nextName(events.length);
    const tmp = path.join(dir, `${name}.tmp`);
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, toNdjson(events));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, name));
    syncDirSync(dir);
    index.set(name, events.length);
  }

  async function claim(name: string): Promise<SpoolSegment | null> {
    const source = path.join(dir, name);
    const claimed = path.join(dir, `${name}.${tag}.claimed`);
    try {
      await rename(source, claimed);
    } catch (err) {
      if (!isMissing(err)) throw err;
      index.delete(name);
      return null;
    }
    let text: string;
    try {
      text = await readFile(claimed, 'utf8');
    } catch (err) {
      // Another writer's start-up recovery took it back between our rename and read.
      if (!isMissing(err)) throw err;
      index.delete(name);
      return null;
    }
    const { events, invalidLines } = parseLines(text.split('\n'));
    return {
      name,
      events,
      invalidLines,
      async remove() {
        await unlink(claimed).catch(ignoreMissing);
        index.delete(name);
      },
      async release() {
        await rename(claimed, source).catch(ignoreMissing);
      },
    };
  }

  async function init(): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const entry of (await readdir(dir)).sort()) {
      const claimed = CLAIMED.exec(entry)?.[1];
      if (claimed) {
        // Its claimer died mid-replay (or is a sibling sharing the directory, which is
        // unsupported): put it back; replaying it again is idempotent.
        await rename(path.join(dir, entry), path.join(dir, claimed)).catch(ignoreMissing);
        track(claimed);
        continue;
      }
      const tmp = TMP.exec(entry)?.[1];
      if (tmp) {
        await salvage(entry);
        continue;
      }
      track(entry);
    }
    if (index.size > 0) logger.info({ segments: index.size, events: count() }, 'usage spool found from a previous run');
  }

  function track(name: string): void {
    const count = SEGMENT.exec(name)?.[1];
    if (count !== undefined) index.set(name, Number(count));
  }

  /** A `.tmp` is a write cut short by a crash: keep every complete line, drop a torn last one. */
  async function salvage(entry: string): Promise<void> {
    const file = path.join(dir, entry);
    const text = await readFile(file, 'utf8').catch((err: unknown) => (isMissing(err) ? null : Promise.reject(err)));
    if (text === null) return;
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const { events, invalidLines } = parseLines(complete.split('\n'));
    if (events.length > 0) await write(events);
    if (invalidLines.length > 0) await deadLetter(invalidLines.map((line) => ({ code: 'UNPARSEABLE', line })));
    await unlink(file).catch(ignoreMissing);
    logger.warn(
      { salvaged: events.length, unparseable: invalidLines.length, tornTail: complete.length < text.length },
      'salvaged an unfinished usage spool segment',
    );
  }

  async function deadLetter(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date().toISOString();
    const file = await open(path.join(dir, DEAD_LETTER_FILE), 'a');
    try {
      await file.writeFile(entries.map((e) => `${JSON.stringify({ deadLetteredAt: at, ...e })}\n`).join(''));
      await file.sync();
    } finally {
      await file.close();
    }
  }

  function count(): number {
    let total = 0;
    for (const n of index.values()) total += n;
    return total;
  }

  return { init, write, writeSync, segments: () => [...index.keys()].sort(), claim, count, deadLetter };
}

function toNdjson(events: readonly UsageEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}

function parseLines(lines: readonly string[]): { events: UsageEvent[]; invalidLines: string[] } {
  const events: UsageEvent[] = [];
  const invalidLines: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const value = tryParse(line);
    if (isEventLike(value)) events.push(value);
    else invalidLines.push(line);
  }
  return { events, invalidLines };
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Enough of a shape check to key the row; the database checks the rest (and rejects to dead-letter). */
function isEventLike(value: unknown): value is UsageEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.requestId === 'string' && typeof v.createdAt === 'string';
}

/** Makes a rename durable: without it a power cut can forget the new name. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (!cannotSyncDir(err)) throw err;
  }
}

function syncDirSync(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (!cannotSyncDir(err)) throw err;
  }
}

/** Some platforms (Windows) cannot open or fsync a directory; there the rename is as durable as it gets. */
function cannotSyncDir(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'EBADF';
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function ignoreMissing(err: unknown): void {
  if (!isMissing(err)) throw err;
}
