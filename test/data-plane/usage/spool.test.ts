import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpool } from '../../../data-plane/usage/spool.js';
import { createLogger } from '../../../shared/logger.js';
import { makeEvents, tempDirs } from './helpers.js';

const logger = createLogger({ level: 'silent', name: 'test' });
const dirs = tempDirs();
const owner = { accountId: '00000000-0000-4000-8000-000000000001', apiKeyId: '00000000-0000-4000-8000-000000000002' };

afterEach(() => dirs.cleanup());

describe('usage spool', () => {
  it('writes a batch as one complete NDJSON segment under its final name, no temp file left', async () => {
    const dir = await dirs.make();
    const spool = createSpool({ dir, logger });
    await spool.init();
    const events = makeEvents(3, owner, 'm');
    await spool.write(events);

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^batch-\d{15}-[0-9a-f]{8}-\d{8}-n3\.ndjson$/);
    const lines = (await readFile(path.join(dir, files[0]!), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
    expect(spool.count()).toBe(3);
  });

  it('lets exactly one of two writers claim a segment; the other sees it gone', async () => {
    const dir = await dirs.make();
    const writer = createSpool({ dir, logger });
    await writer.init();
    await writer.write(makeEvents(2, owner, 'm'));
    const [a, b] = [createSpool({ dir, logger }), createSpool({ dir, logger })];
    await Promise.all([a.init(), b.init()]);
    const [name] = a.segments();

    const claims = await Promise.all([a.claim(name!), b.claim(name!)]);
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    const winner = claims.find((c) => c !== null)!;
    expect(winner.events).toHaveLength(2);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/\.claimed$/)]);

    await winner.remove();
    expect(await readdir(dir)).toEqual([]);
    expect(a.count() + b.count()).toBe(0);
  });

  it('puts a released claim back for a later replay', async () => {
    const dir = await dirs.make();
    const spool = createSpool({ dir, logger });
    await spool.init();
    await spool.write(makeEvents(1, owner, 'm'));
    const [name] = spool.segments();
    const segment = await spool.claim(name!);
    await segment!.release();
    expect(await readdir(dir)).toEqual([name]);
    expect((await spool.claim(name!))?.events).toHaveLength(1);
  });
});
