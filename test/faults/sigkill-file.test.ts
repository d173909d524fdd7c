import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { FileQueueWriter, inspectQueueFolder } from '@conveyor/file';
import { sigkillRun } from './sigkill-run.js';

it('a FileSource consumer SIGKILLed at random points, restarted and drained: nothing lost, duplicates within what was claimed', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-sigkill-file-'));
  const count = 2_000;
  const rowsPerBatch = 50;
  try {
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: rowsPerBatch, logger: silentLogger });
    for (let n = 0; n < count; n++) await writer.add({ n });
    writer.close();
    const outcome = await sigkillRun({
      name: 'file queue',
      env: { SOURCE: 'file', DIRECTORY: directory },
      count,
      kills: 3,
      maxInFlight: 100,
      // A dead reader's claimed batches come back whole (their consumed rows too): up to the
      // batches it had claimed for its messages in flight, one more at each edge.
      heldPerKill: 100 + 2 * rowsPerBatch,
      remaining: () => {
        const depth = inspectQueueFolder(directory);
        return Promise.resolve(depth.waiting + depth.inFlight + depth.deadLetters);
      },
    });
    expect(outcome.lost).toEqual([]);
    expect(outcome.remaining).toBe(0);
    expect(outcome.duplicates).toBeLessThanOrEqual(outcome.allowedDuplicates);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
