import type { Logger } from '../../shared/logger.js';
import type { UsageEvent } from '../../shared/usage-event.js';
import type { InsertOutcome } from './insert.js';
import type { Spool, SpoolSegment } from './spool.js';

export interface ReplayDeps {
  spool: Spool;
  batchSize: number;
  /** The writer's insert: counts, dead-letters rejected rows, and tracks database health. */
  insert(events: UsageEvent[]): Promise<InsertOutcome>;
  onDeadLettered(count: number): void;
  log: Logger;
}

/**
 * Replays one spool segment: claims it, inserts its events a batch at a time and
 * deletes it only once all are in the database. Returns false when the database
 * failed again; whatever was not yet written stays spooled.
 */
export async function replaySegment(name: string, deps: ReplayDeps): Promise<boolean> {
  const segment = await deps.spool.claim(name);
  if (!segment) return true;
  try {
    return await replayClaimed(segment, deps);
  } catch (err) {
    // Unclaim it, or it would sit unreplayed until the next start.
    await segment.release().catch(() => undefined);
    throw err;
  }
}

async function replayClaimed(segment: SpoolSegment, deps: ReplayDeps): Promise<boolean> {
  const { spool, batchSize } = deps;
  if (segment.invalidLines.length > 0) {
    await spool.deadLetter(segment.invalidLines.map((line) => ({ code: 'UNPARSEABLE' as const, line })));
    deps.onDeadLettered(segment.invalidLines.length);
    deps.log.error({ segment: segment.name, count: segment.invalidLines.length }, 'unparseable usage spool lines moved to dead-letter');
  }
  // A segment may hold more than one batch (salvaged, or spooled with a larger batchSize).
  for (let i = 0; i < segment.events.length; i += batchSize) {
    const outcome = await deps.insert(segment.events.slice(i, i + batchSize));
    if (outcome.error !== undefined) {
      await keepUnreplayed(spool, segment, [...outcome.remaining, ...segment.events.slice(i + batchSize)]);
      return false;
    }
  }
  await segment.remove();
  return true;
}

/** Keeps what is left of a half-replayed segment, so rows already dead-lettered are not dead-lettered twice. */
async function keepUnreplayed(spool: Spool, segment: SpoolSegment, left: UsageEvent[]): Promise<void> {
  if (left.length === segment.events.length) return segment.release();
  try {
    await spool.write(left);
    await segment.remove();
  } catch {
    // The whole segment again is still right: its written rows are absorbed by ON CONFLICT.
    await segment.release();
  }
}
