// Money through the spool: a cost is a decimal string in the NDJSON (JSON has no 64-bit
// integers), and events spooled by a gateway older than the catalogue still replay.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../../shared/usage-event.js';
import { spooledEvents, useWriterFixture } from './fixture.js';
import { makeEvents, readEvents, segmentFiles, sortById, switchableSql } from './helpers.js';

const f = useWriterFixture();

describe('costed usage events in the spool', () => {
  it('keeps costs past 2^53 exact through the spool into the database', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const events = makeEvents(6, f.owner, m).map((e, i) => ({ ...e, costPicoUsd: (2n ** 63n - 1n - BigInt(i)).toString() }));
    const down = f.writer({ sql: switchableSql(f.sql).sql, spoolDir: dir });
    for (const e of events) down.record(e);
    await down.close();
    const [segment] = await segmentFiles(dir);
    // Written as strings: a JSON number would round 9223372036854775807 to 9223372036854775808.
    expect(await readFile(path.join(dir, segment!), 'utf8')).toContain('"costPicoUsd":"9223372036854775807"');
    expect(await spooledEvents(dir)).toEqual(sortById(events));

    const replayer = f.writer({ sql: f.sql, spoolDir: dir });
    await replayer.flush();
    expect(await readEvents(f.sql, m)).toEqual(sortById(events));
  });

  it('replays an event spooled before costs existed as uncosted, and dead-letters one whose cost is not an integer', async () => {
    const dir = await f.tempDir();
    const m = f.model();
    const [legacyBase, badBase] = makeEvents(2, f.owner, m);
    const { cacheWriteTokens: _w, cacheWrite1hTokens: _h, priceVersionId: _p, costPicoUsd: _c, ...legacy } = legacyBase!;
    const bad = { ...badBase!, costPicoUsd: '1.5' };
    const name = `batch-${String(Date.now()).padStart(15, '0')}-0000beef-00000001-n2.ndjson`;
    await writeFile(path.join(dir, name), `${JSON.stringify(legacy)}\n${JSON.stringify(bad)}\n`);

    const w = f.writer({ sql: f.sql, spoolDir: dir });
    await w.flush();
    expect(await readEvents(f.sql, m)).toEqual([{ ...legacy, cacheWriteTokens: 0, cacheWrite1hTokens: 0, priceVersionId: null, costPicoUsd: '0' }]);
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { code: string; event: UsageEvent });
    expect(dead.map((d) => [d.event.requestId, d.code])).toEqual([[bad.requestId, 'MALFORMED']]);
    expect(await segmentFiles(dir)).toEqual([]);
  });
});
