import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createPgSqlClient } from '../../../shared/sql.js';
import { silent, spooledEvents, useWriterFixture } from './fixture.js';
import { makeEvents, readEvents, segmentFiles, sortById, switchableSql } from './helpers.js';

// The database going away: a wrapper that fails like a refused connection (the real
// database underneath, so "back" is a flag flip), and a real refused connection.
const f = useWriterFixture();

describe('usage writer: database unreachable', () => {
  it('spools to disk while the database is unreachable and writes every event once when it is back', async () => {
    const dir = await f.tempDir();
    const { sql, control } = switchableSql(f.sql);
    const w = f.writer({ sql, spoolDir: dir, batchSize: 25 });
    const m = f.model();
    const events = makeEvents(80, f.owner, m);
    for (const e of events.slice(0, 50)) w.record(e);
    await w.flush();
    for (const e of events.slice(50)) w.record(e);
    await w.flush();

    expect(w.stats()).toMatchObject({ pending: 0, spooled: 80, written: 0 });
    expect((await segmentFiles(dir)).length).toBeGreaterThanOrEqual(2);
    // The background retry may be holding a segment renamed (claimed) right now: look again.
    await vi.waitFor(async () => expect(await spooledEvents(dir)).toEqual(sortById(events)));
    expect(await readEvents(f.sql, m)).toEqual([]);
    // It keeps retrying in the background, with no flush() or record() to prompt it.
    const attemptsWhileDown = control.attempts;
    await vi.waitFor(() => expect(control.attempts).toBeGreaterThan(attemptsWhileDown), { timeout: 5_000 });
    expect(await readEvents(f.sql, m)).toEqual([]);

    control.down = false;
    await vi.waitFor(() => expect(w.stats().spooled).toBe(0), { timeout: 10_000 });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    expect(await segmentFiles(dir)).toEqual([]);
    expect(w.stats()).toMatchObject({ pending: 0, written: 80 });
  });

  it('survives a restart: a writer closed while the database is down leaves a spool the next writer replays on start', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const events = makeEvents(120, f.owner, m);
    const a = f.writer({ sql: switchableSql(f.sql).sql, spoolDir: dir, batchSize: 50, flushIntervalMs: 60_000 });
    for (const e of events.slice(0, 100)) a.record(e);
    await vi.waitFor(() => expect(a.stats().spooled).toBe(100));
    for (const e of events.slice(100)) a.record(e);
    expect(a.stats().pending).toBe(20); // below batchSize: waiting for the timer
    await a.close();
    expect(a.stats()).toMatchObject({ pending: 0, spooled: 120 });
    expect(await spooledEvents(dir)).toEqual(sortById(events));

    // No flush() call: replaying the spool on start is the writer's own job.
    const b = f.writer({ sql: f.sql, spoolDir: dir });
    await vi.waitFor(async () => expect(await readEvents(f.sql, m)).toHaveLength(120), { timeout: 10_000 });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    await vi.waitFor(async () => expect(await segmentFiles(dir)).toEqual([]));
    expect(b.stats().spooled).toBe(0);
  });

  it('spools on a real refused connection and a writer on the real database replays it', async () => {
    const dir = await f.tempDir();
    const unreachable = createPgSqlClient('postgres://postgres@127.0.0.1:1/none', silent);
    const m = f.model();
    const events = makeEvents(30, f.owner, m);
    try {
      const a = f.writer({ sql: unreachable, spoolDir: dir });
      for (const e of events) a.record(e);
      await a.flush();
      expect(a.stats()).toMatchObject({ pending: 0, spooled: 30, written: 0 });
      await vi.waitFor(async () => expect(await spooledEvents(dir)).toEqual(sortById(events)));
      await a.close();
    } finally {
      await unreachable.close();
    }

    const b = f.writer({ sql: f.sql, spoolDir: dir });
    await b.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('writes every event exactly once when two writers replay the same spool directory at the same time', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const events = makeEvents(60, f.owner, m);
    const a = f.writer({ sql: switchableSql(f.sql).sql, spoolDir: dir, batchSize: 10 });
    for (const e of events) a.record(e);
    await a.close();
    expect(await segmentFiles(dir)).toHaveLength(6);

    const b1 = f.writer({ sql: f.sql, spoolDir: dir, batchSize: 10 });
    const b2 = f.writer({ sql: f.sql, spoolDir: dir, batchSize: 10 });
    await Promise.all([b1.flush(), b2.flush()]);
    await vi.waitFor(async () => expect(await readEvents(f.sql, m)).toHaveLength(60));
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
    await vi.waitFor(async () => expect(await readdir(dir)).toEqual([]));
  });
});

describe('usage writer: database and disk both failing', () => {
  it('holds a batch in memory when the spool cannot be written, and writes it once the database is back', async () => {
    const tmp = await f.tempDir();
    const notADir = path.join(tmp, 'spool');
    await writeFile(notADir, 'a file where the spool directory should be');
    const { sql, control } = switchableSql(f.sql);
    const w = f.writer({ sql, spoolDir: notADir });
    const m = f.model();
    const events = makeEvents(10, f.owner, m);
    for (const e of events) w.record(e);
    await w.flush();
    expect(w.stats()).toMatchObject({ pending: 10, spooled: 0, written: 0 });

    // The disk stays broken: the retry must still reach the database with what it holds.
    control.down = false;
    await vi.waitFor(() => expect(w.stats().pending).toBe(0), { timeout: 10_000 });
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
  });
});

