import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { FileQueueReader } from '@conveyor/file';
import { cli, jsonLines, tempFolder } from './helpers.js';

const folders: { remove: () => void }[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.remove();
});

describe('send and stats on a file queue', () => {
  it('sends JSON lines as items and counts ready, claimed and dead rows', async () => {
    const folder = tempFolder('file');
    folders.push(folder);
    const values = Array.from({ length: 25 }, (_, n) => ({ n, nested: { ok: n % 2 === 0 } }));
    const sent = await cli(['send', `file://${folder.path}`], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent 25 messages to file:\/\//);

    const ready = JSON.parse((await cli(['stats', `file://${folder.path}`, '--json'])).stdout) as Record<string, unknown>;
    expect(ready).toMatchObject({
      kind: 'file',
      waiting: 25,
      inFlight: 0,
      deadLetters: 0,
      details: { readyBatches: 1, assignedBatches: 0, loadingBatches: 0, corruptFiles: 0 },
    });
    // The oldest waiting row's age: its batch was written moments ago.
    expect(ready.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(ready.oldestAgeMs).toBeLessThan(60_000);

    const reader = new FileQueueReader<unknown>({ directory: folder.path, maxReceiveCount: 1, logger: silentLogger });
    const batch = reader.claim();
    expect(batch).toBeDefined();
    const rows = [...(batch as NonNullable<typeof batch>)];
    expect(rows.map((row) => row.body)).toEqual(values);
    const claimed = JSON.parse((await cli(['stats', `file://${folder.path}`, '--json'])).stdout) as Record<string, unknown>;
    expect(claimed).toMatchObject({ waiting: 0, inFlight: 25, details: { readyBatches: 0, assignedBatches: 1 } });

    // Two rows fail on their only allowed delivery: they go to dead/.
    batch?.fail(rows.slice(0, 2), new Error('poison'));
    batch?.consume(rows.slice(2));
    const settled = await cli(['stats', `file://${folder.path}`]);
    expect(settled.stdout).toContain('(file queue)');
    expect(settled.stdout).toMatch(/waiting\s+0\n/);
    expect(settled.stdout).toMatch(/dead letters\s+2\n/);
    // Nothing waits: no oldest age.
    expect(settled.stdout).not.toMatch(/oldest/);
    reader.close();
  });
});
