import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { MAX_ROWS_PER_INSERT } from '../../../data-plane/usage/insert.js';
import { createUsageWriter } from '../../../data-plane/usage/writer.js';
import type { SqlClient } from '../../../shared/sql.js';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { silent, spooledEvents, useWriterFixture } from './fixture.js';
import { capturingLogger, countingSql, makeEvents, readEvents, segmentFiles, sortById, switchableSql } from './helpers.js';

const f = useWriterFixture();

describe('usage writer: batching', () => {
  it('writes 1,200 events with their exact values in batches of at most batchSize, one INSERT at a time', async () => {
    const { sql, state } = countingSql(f.sql, 5);
    const w = f.writer({ sql, spoolDir: await f.tempDir(), batchSize: 500 });
    const m = f.model();
    const events = makeEvents(1_200, f.owner, m);
    for (const e of events) w.record(e);
    await w.flush();

    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    expect(state.insertRows.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...state.insertRows)).toBeLessThanOrEqual(500);
    expect(state.insertRows.reduce((a, b) => a + b, 0)).toBe(1_200);
    expect(state.maxActive).toBe(1);
    expect(w.stats()).toMatchObject({ pending: 0, spooled: 0, written: 1_200 });
  });

  // The statement's parameters are one array per column, so the cap is ours, not a
  // driver's: a full batch of the longest user agents (about 5 MB of arrays) must land whole.
  it('fills one INSERT up to the 5,000-row cap, long user agents included, and refuses a larger batchSize', async () => {
    expect(MAX_ROWS_PER_INSERT).toBe(5_000);
    const { sql, state } = countingSql(f.sql);
    expect(() => createUsageWriter({ sql, spoolDir: '/nonexistent', logger: silent, batchSize: 5_001 })).toThrow(RangeError);
    const w = f.writer({ sql, spoolDir: await f.tempDir(), batchSize: 5_000 });
    const m = f.model();
    const events = makeEvents(5_000, f.owner, m).map((e, i) => ({ ...e, userAgent: `${i}/`.padEnd(512, 'ü') }));
    for (const e of events) w.record(e);
    await w.flush();
    expect(state.insertRows).toEqual([5_000]);
    expect(w.stats()).toMatchObject({ pending: 0, spooled: 0, written: 5_000 });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
  });

  it('flushes on its timer without an explicit flush()', async () => {
    const w = f.writer({ sql: f.sql, spoolDir: await f.tempDir(), flushIntervalMs: 20 });
    const m = f.model();
    const events = makeEvents(3, f.owner, m);
    for (const e of events) w.record(e);
    expect(w.stats().pending).toBe(3);
    await vi.waitFor(async () => expect(await readEvents(f.sql, m)).toEqual(sortById(events)), { timeout: 5_000 });
  });

  it('keeps one flush in flight; events recorded during it go to the next batch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { sql: counted, state } = countingSql(f.sql);
    let waiting = 0;
    const gated: SqlClient = {
      ...counted,
      async query<T>(text: string, params?: unknown[]) {
        if (text.startsWith('INSERT') && waiting === 0) {
          waiting += 1;
          await gate;
        }
        return counted.query<T>(text, params);
      },
    };
    const w = f.writer({ sql: gated, spoolDir: await f.tempDir(), flushIntervalMs: 60_000 });
    const m = f.model();
    const [first, second] = [makeEvents(10, f.owner, m), makeEvents(5, f.owner, m)];
    for (const e of first) w.record(e);
    const firstFlush = w.flush();
    await vi.waitFor(() => expect(waiting).toBe(1));
    for (const e of second) w.record(e);
    const secondFlush = w.flush();
    release();
    await Promise.all([firstFlush, secondFlush]);

    expect(state.insertRows).toEqual([10, 5]);
    expect(state.maxActive).toBe(1);
    expect(await readEvents(f.sql, m)).toEqual(sortById([...first, ...second]));
  });
});

describe('usage writer: idempotency', () => {
  it('writes one row per event when the same events are recorded twice, in one batch and in a later one', async () => {
    const w = f.writer({ sql: f.sql, spoolDir: await f.tempDir() });
    const m = f.model();
    const events = makeEvents(20, f.owner, m);
    for (const e of [...events, ...events]) w.record(e);
    await w.flush();
    for (const e of events) w.record({ ...e });
    await w.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    // Duplicates must be absorbed by the insert itself, not isolated as failures.
    expect(w.stats()).toMatchObject({ written: 60, deadLettered: 0 });
  });

  it('replays a spool segment whose events were already written (crash after insert, before delete) without duplicates', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const events = makeEvents(40, f.owner, m);
    const down = f.writer({ sql: switchableSql(f.sql).sql, spoolDir: dir });
    for (const e of events) down.record(e);
    await down.close();
    expect(await spooledEvents(dir)).toEqual(sortById(events));

    const direct = f.writer({ sql: f.sql, spoolDir: await f.tempDir() });
    for (const e of events.slice(0, 25)) direct.record(e);
    await direct.flush();

    const replayer = f.writer({ sql: f.sql, spoolDir: dir });
    await replayer.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    expect(await segmentFiles(dir)).toEqual([]);
    expect(replayer.stats()).toMatchObject({ written: 40, deadLettered: 0 });
  });
});

describe('usage writer: rows the database refuses for good', () => {
  it('moves a row with a missing api key and a malformed row to dead-letter, writes the rest and keeps going', async () => {
    const dir = await f.tempDir();
    const { logger, lines } = capturingLogger();
    const w = f.writer({ sql: f.sql, spoolDir: dir, logger });
    const m = f.model();
    const good = makeEvents(30, f.owner, m);
    const [orphanBase, malformedBase] = makeEvents(2, f.owner, m);
    const orphan = { ...orphanBase!, apiKeyId: randomUUID(), clientIp: '198.51.100.77', userAgent: 'secret-agent/9' };
    const malformed = { ...malformedBase!, httpStatus: 99_999, clientIp: '198.51.100.78' };
    for (const e of [...good.slice(0, 10), orphan, ...good.slice(10, 20), malformed, ...good.slice(20)]) w.record(e);
    await w.flush();

    expect(await readEvents(f.sql, m)).toEqual(sortById(good));
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { code: string; event: UsageEvent });
    expect(dead.map((d) => [d.event.requestId, d.code]).sort()).toEqual(
      [
        [orphan.requestId, '23503'],
        [malformed.requestId, '22003'],
      ].sort(),
    );
    expect(w.stats()).toMatchObject({ pending: 0, spooled: 0, written: 30, deadLettered: 2 });
    expect(await segmentFiles(dir)).toEqual([]);

    const log = lines.join('\n');
    expect(log).toContain(orphan.requestId);
    expect(log).toContain(malformed.requestId);
    for (const personal of ['198.51.100.77', '198.51.100.78', 'secret-agent', f.owner.apiKeyId]) {
      expect(log).not.toContain(personal);
    }

    const later = makeEvents(5, f.owner, m);
    for (const e of later) w.record(e);
    await w.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById([...good, ...later]));
  });
});

describe('usage writer: close and crash leftovers', () => {
  it('close() writes pending events to the database', async () => {
    const w = f.writer({ sql: f.sql, spoolDir: await f.tempDir(), flushIntervalMs: 60_000 });
    const m = f.model();
    const events = makeEvents(10, f.owner, m);
    for (const e of events) w.record(e);
    expect(w.stats().pending).toBe(10);
    expect(await readEvents(f.sql, m)).toEqual([]);
    await w.close();
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    expect(w.stats()).toMatchObject({ pending: 0, spooled: 0, written: 10 });
  });

  it('spools an event recorded after close() instead of dropping it', async () => {
    const dir = await f.tempDir();
    const w = f.writer({ sql: f.sql, spoolDir: dir });
    await w.close();
    const m = f.model();
    const [late] = makeEvents(1, f.owner, m);
    w.record(late!);
    expect(await spooledEvents(dir)).toEqual([late]);

    await f.writer({ sql: f.sql, spoolDir: dir }).flush();
    expect(await readEvents(f.sql, m)).toEqual([late]);
  });

  it('recovers a half-written segment and a segment claimed by a replayer that died', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const events = makeEvents(5, f.owner, m);
    const lines = events.map((e) => JSON.stringify(e));
    const name = (n: number, seq: number) => `batch-00${Date.now()}-deadbeef-0000000${seq}-n${n}.ndjson`;
    // A crash mid-write: two complete lines and a torn third.
    await writeFile(path.join(dir, `${name(3, 1)}.tmp`), `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 40)}`);
    // A crash mid-replay: the segment is still under its claimed name.
    await writeFile(path.join(dir, `${name(2, 2)}.cafebabe.claimed`), `${lines[3]}\n${lines[4]}\n`);

    const w = f.writer({ sql: f.sql, spoolDir: dir });
    await w.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById([events[0]!, events[1]!, events[3]!, events[4]!]));
    await vi.waitFor(async () => expect(await readdir(dir)).toEqual([]));
  });
});
